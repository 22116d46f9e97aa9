"""Every source over every saved page, against the expected file beside it;
then hand-checked facts from each fixture's .source.txt, so the expected
files cannot drift from what the pages really say."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from crawler import registry
from tests.cases import FIXTURES, cases, expected_path, load_expected, run_case


@pytest.mark.parametrize("path", cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_source_matches_expected(path: Path) -> None:
    assert expected_path(path).exists(), f"no expected file; run: .venv/bin/python -m tests.regen {path.parent.name}"
    assert run_case(path) == load_expected(path)


def test_every_source_has_a_fixture() -> None:
    covered = {p.parent.name for p in cases()}
    assert covered == set(registry.sources())


def _price(path: str, model: str, component: str, condition: str | None = None, currency: str | None = None) -> dict:
    rows = [
        r
        for r in run_case(FIXTURES / path)["rows"]
        if r["model"] == model
        and r["component"] == component
        and r["condition"] == condition
        and (currency is None or r["currency"] == currency)
    ]
    assert len(rows) == 1, f"{model} {component} {condition}: {rows}"
    return rows[0]


# (fixture, model, component, condition, amount per 1M, currency) as each .source.txt states it
FACTS = [
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek-chat", "input_cache_hit", None, "0.2", "CNY"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek-chat", "input", None, "2", "CNY"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek-reasoner", "output", None, "3", "CNY"),
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek-chat", "input_cache_hit", None, "0.028", "USD"),
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek-reasoner", "input", None, "0.28", "USD"),
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek-chat", "output", None, "0.42", "USD"),
    ("deepseek/2026-08-01_zh_clipping_v4.md", "deepseek-v4-flash", "input_cache_hit", None, "0.02", "CNY"),
    ("deepseek/2026-08-01_zh_clipping_v4.md", "deepseek-v4-pro", "input", None, "3", "CNY"),
    ("deepseek/2026-08-01_zh_clipping_v4.md", "deepseek-v4-pro", "output", None, "6", "CNY"),
    ("coze/2025_billing-rules_doubao-deepseek.md", "doubao-pro-32k", "input", None, "0.8", "CNY"),
    ("coze/2025_billing-rules_doubao-deepseek.md", "doubao-pro-32k", "output", None, "2", "CNY"),
    ("coze/2025_billing-rules_doubao-deepseek.md", "doubao-lite-32k", "input", None, "0.3", "CNY"),
    ("coze/2025_billing-rules_doubao-deepseek.md", "deepseek-r1", "output", None, "16", "CNY"),
    ("moonshot/2025-12-20_zh_crawler-markdown.md", "kimi-k2-turbo-preview", "output", None, "58", "CNY"),
    ("moonshot/2025-12-20_zh_crawler-markdown.md", "kimi-latest", "input", "8K<context<=32K", "5", "CNY"),
    ("moonshot/2025-12-20_zh_crawler-markdown.md", "kimi-latest", "output", "32K<context<=128K", "30", "CNY"),
    ("moonshot/2025-12-20_zh_crawler-markdown.md", "moonshot-v1-8k", "input", None, "2", "CNY"),
    ("minimax/2025-12-20_en_crawler-markdown.md", "minimax-m2", "input_cache_write", None, "0.375", "USD"),
    ("minimax/2025-12-20_zh_crawler-markdown.md", "minimax-m2-stable", "input_cache_hit", None, "0.21", "CNY"),
    ("openrouter/2024-05-15_models.json", "deepseek-chat", "output", None, "0.28", "USD"),
    ("openrouter/2024-08-01_models.json", "qwen-2-72b-instruct", "input", None, "0.56", "USD"),
    ("litellm/2025-02-06_model-prices.json", "deepseek-chat", "input_cache_hit", None, "0.014", "USD"),
    ("litellm/2026-01-13_model-prices.json", "qwen-flash", "output", "256K<context<=1M", "2", "USD"),
    ("syaoranwe/2024-05-23_README.md", "deepseek-chat", "input", None, "1", "CNY"),
    ("syaoranwe/2024-06-05_README.md", "doubao-pro-32k", "input", None, "0.8", "CNY"),
    ("syaoranwe/2024-06-05_README.md", "qwen1.5-110b-chat", "input", None, "7", "CNY"),  # 阿里云, not together.ai
    ("llmprice_cn/2024-05-25_README.md", "qwen-long", "input", None, "0.5", "CNY"),
    ("llmprice_cn/2026-01-29_index.html", "deepseek-chat", "output", None, "2.94", "CNY"),
]


@pytest.mark.parametrize(("path", "model", "component", "condition", "amount", "currency"), FACTS)
def test_hand_checked_prices(path: str, model: str, component: str, condition: str | None, amount: str, currency: str):
    row = _price(path, model, component, condition, currency)
    assert row["amount_per_mtok"] == amount


def test_free_models_are_flagged() -> None:
    speed = _price("syaoranwe/2024-06-05_README.md", "ernie-speed", "input")
    assert (speed["amount_per_mtok"], speed["free"]) == ("0", True)
    flash = _price("llmprice_cn/2026-01-29_index.html", "glm-4-flash", "output")
    assert (flash["cny_per_mtok"], flash["free"]) == ("0", True)


def test_usd_pages_are_converted_with_the_dated_rate() -> None:
    row = _price("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek-chat", "input")
    # fetched on Saturday 2025-12-20: the ECB's rate of Friday 2025-12-19, 8.2465 / 1.1712 = 7.0411
    assert (row["cny_per_mtok"], row["fx_rate"], row["fx_date"], row["fx_source"]) == (
        "1.971508",  # 0.28 USD x 7.0411
        "7.0411",
        "2025-12-19",
        "ECB",
    )
    old = _price("openrouter/2024-05-15_models.json", "deepseek-chat", "input")
    assert (old["cny_per_mtok"], old["fx_date"]) == ("1.01087", "2024-05-15")  # 0.14 USD x 7.2205 (7.8212 / 1.0832)
    cny = _price("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek-chat", "input")
    assert (cny["currency"], cny["fx_rate"], cny["fx_date"]) == ("CNY", None, None)  # nothing converted


def test_out_of_scope_providers_are_left_out() -> None:
    models = {r["model"] for r in run_case(FIXTURES / "syaoranwe/2024-06-05_README.md")["rows"]}
    assert "gpt-4o" not in models and "claude-3-opus" not in models
    assert {"glm-4-air", "hunyuan-lite", "baichuan4", "yi-large"} <= models


def test_litellm_prefers_the_canonical_key_and_records_the_conflict() -> None:
    case = run_case(FIXTURES / "litellm/2026-01-13_model-prices.json")
    row = next(r for r in case["rows"] if r["model"] == "deepseek-chat" and r["component"] == "input")
    assert row["amount_per_mtok"] == "0.27"  # deepseek/deepseek-chat, not the legacy bare key's 0.6
    assert any("conflicting prices for deepseek/deepseek-chat input" in r["reason"] for r in case["rejects"])


KEY_PRICES = json.loads((FIXTURES / "key_prices.json").read_text(encoding="utf-8"))
_KEYS = [(f, *k) for f, keys in KEY_PRICES.items() if not f.startswith("_") for k in keys]


@cache
def _rows_of(fixture: str) -> tuple[tuple[str, str, str | None, str, str], ...]:
    return tuple(
        (r["model"], r["component"], r["condition"], r["amount_per_mtok"], r["currency"])
        for r in run_case(FIXTURES / fixture)["rows"]
    )


@pytest.mark.parametrize(("fixture", "model", "component", "condition", "amount", "currency"), _KEYS)
def test_official_page_key_price(
    fixture: str, model: str, component: str, condition: str | None, amount: str, currency: str
) -> None:
    """Each key price a real official page shows (listed by hand in its .source.txt) is read right."""
    found = [r for r in _rows_of(fixture) if r[:3] == (model, component, condition)]
    assert [(r[3], r[4]) for r in found] == [(amount, currency)], found


@pytest.mark.parametrize("fixture", [f for f in KEY_PRICES if not f.startswith("_")])
def test_official_page_model_ids_are_clean_and_regions_kept_apart(fixture: str) -> None:
    rows = _rows_of(fixture)
    assert rows
    for model, *_ in rows:
        assert not re.search(r"[\\*`<>|\[\]]|\s", model), model  # no markup, escapes or spaces in an id
    if fixture.startswith("aliyun/2026-04-22"):
        # the mainland price is the default row; another region's price is its own row, never the default
        assert ("qwen3-max", "input", "context<=32K, region=intl", "8.807", "CNY") in rows
        assert ("qwen3-max", "input", "context<=32K", "2.5", "CNY") in rows


_HTML_PAGES = [f for f in KEY_PRICES if not f.startswith("_") and f.endswith(".html")]


@pytest.mark.parametrize("form", ["trafilatura", "html2text", "markdownify"])
@pytest.mark.parametrize("fixture", _HTML_PAGES)
def test_official_page_key_prices_hold_in_markdown_renderings(fixture: str, form: str) -> None:
    """The next layout: the same real page as a Markdown converter renders it (rows broken at block
    cells, rowspans as empty or dropped cells, no delimiter row, regions in prose) gives every key price."""
    from bench.pricing_quality import RENDERINGS, score

    right, listed, missed = score(fixture, RENDERINGS[form]((FIXTURES / fixture).read_text(encoding="utf-8")))
    assert (right, missed) == (listed, [])
