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
        assert cards[name] == catalog.Card(
            name,
            spider.kind,
            spider.authority,
            spider.owner,
            spider.description,
            spider.experimental,
            tuple(spider.start_urls),
        ), name


def test_known_sources() -> None:
    cards = catalog.cards()
    deepseek = cards["deepseek"]
    assert (deepseek.name, deepseek.kind, deepseek.authority, deepseek.owner) == ("deepseek", "pricing", 3, "deepseek")
    assert cards["fx"].start_urls == (
        "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
    )  # an imported name
    assert cards["volcengine"].start_urls[0].startswith("https://www.volcengine.com/api/doc/")  # a module constant
    assert len(cards["news"].start_urls) == 19 and cards["baidu"].experimental
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


def test_sources_lists_every_source_without_loading_scrapy(tmp_path) -> None:
    import json
    import os

    (tmp_path / "llmwatch.toml").write_text('[news]\nfeeds = ["https://example.org/feed.xml"]\n', encoding="utf-8")
    code = (
        "import sys; from llmwatch.cli.main import run; sys.argv = ['llmwatch', '--config', sys.argv[1], "
        "'sources', '--format', 'json']\ntry:\n    run()\nexcept SystemExit:\n    pass\n"
        "print('scrapy' in sys.modules, file=sys.stderr)"
    )
    env = {**os.environ, "LLMWATCH_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "llmwatch.toml")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr
    urls = {r["source"]: r["urls"] for r in map(json.loads, out.stdout.splitlines())}
    assert set(urls) == set(registry.sources())
    assert urls["news"] == ["https://example.org/feed.xml"]  # the configured feeds, not the defaults
    assert urls["fx"] == ["https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"]
