"""The source catalog (read from the spiders' text, so the query commands need not
load Scrapy) says what the imported spider classes say, for every source."""

from __future__ import annotations

import subprocess
import sys

from crawler import catalog, registry


def test_every_source_is_read_as_its_class_says() -> None:
    cards = catalog.cards()
    assert list(cards) == list(registry.sources())
    for name, spider in registry.sources().items():
        assert cards[name] == catalog.Card(name, spider.kind, spider.authority, spider.owner), name


def test_known_sources() -> None:
    cards = catalog.cards()
    assert cards["deepseek"] == catalog.Card("deepseek", "pricing", 3, "deepseek")
    assert cards["volcengine"].owner == "bytedance"
    assert cards["news"].kind == "news"
    assert cards["openrouter"].authority == 0
    assert ("aliyun", "alibaba") in catalog.official_sources()


def test_authority_is_the_owners_only() -> None:
    assert catalog.authority("deepseek", "deepseek") == 3
    assert catalog.authority("deepseek", "openai") == 2  # an official page's word on someone else's model
    assert catalog.authority("coze", "deepseek") == 2
    assert catalog.authority("litellm", "deepseek") == 0
    assert catalog.authority("nosuch", "deepseek") == 0


def test_reading_the_catalog_loads_no_scrapy() -> None:
    code = "import sys; from crawler import catalog; catalog.cards(); print('scrapy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
