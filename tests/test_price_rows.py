"""One row per price: the provider's own figure before a conversion of it, every source
with --all-sources; CNY conversions at the rate of the day last seen, shown to the
precision of the figure they came from."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.clirun import Run

PAGES = [
    ("syaoranwe/2024-06-05_README.md", "syaoranwe", "2024-06-05T11:47:38Z"),
    ("llmprice_cn/2024-05-25_README.md", "llmprice_cn", "2024-05-25T01:15:21Z"),
    # LiteLLM's file: deepseek-coder input 0.14 USD first seen in 2025 (7.18), seen again in 2026 (7.10)
    ("litellm/2025-02-06_model-prices.json", "litellm", "2025-02-06T02:56:03Z"),
    ("litellm/2026-01-13_model-prices.json", "litellm", "2026-01-13T22:08:35Z"),
    # DeepSeek's English (USD) and Chinese (CNY) pages, the same day
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
]


def _json(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    cli = Run(tmp_path_factory.mktemp("rows"))
    yield cli.ingest(PAGES)


def test_one_row_per_price_unless_all_sources(run: Run) -> None:
    rows = _json(run("prices", "--model", "qwen-long", "--format", "json")[1])
    keys = [(r["component"], r["condition"]) for r in rows]
    assert len(keys) == len(set(keys)) and {k[0] for k in keys} == {"input", "output"}
    every = _json(run("prices", "--model", "qwen-long", "--all-sources", "--format", "json")[1])
    assert {r["source"] for r in every} == {"syaoranwe", "llmprice_cn"} and len(every) > len(rows)
    # the newest evidence wins between two reference tables: syaoranwe's of 2024-06-05
    assert {r["source"] for r in rows} == {"syaoranwe"}


def test_the_providers_own_figure_wins_over_its_conversion(run: Run) -> None:
    rows = _json(run("prices", "--source", "deepseek", "--model", "deepseek-chat", "--format", "json")[1])
    assert {(r["component"], r["amount_per_mtok"], r["currency"], r["cny_per_mtok"]) for r in rows} == {
        ("input", "2", "CNY", "2"),
        ("input_cache_hit", "0.2", "CNY", "0.2"),
        ("output", "3", "CNY", "3"),
    }
    both = _json(run("prices", "--source", "deepseek", "--model", "deepseek-chat", "--all-sources", "-f", "json")[1])
    assert {r["currency"] for r in both} == {"CNY", "USD"} and len(both) == 6


def test_a_conversion_uses_the_rate_of_the_day_last_seen(run: Run) -> None:
    rows = _json(run("prices", "--source", "litellm", "--model", "deepseek-coder", "--format", "json")[1])
    inp = next(r for r in rows if r["component"] == "input")
    assert (inp["amount_per_mtok"], inp["first_seen"][:4], inp["last_seen"][:4]) == ("0.14", "2025", "2026")
    # 0.14 x 6.9756, the ECB's rate of 2026-01-13 (8.1294 / 1.1654), not 1.020418 (7.2887, of 2025-02-06)
    assert (inp["cny_per_mtok"], inp["fx_rate"], inp["fx_date"]) == ("0.976584", "6.9756", "2026-01-13")


def test_a_conversion_is_shown_to_the_precision_of_its_figure(run: Run) -> None:
    _, table, _ = run("prices", "--source", "deepseek", "--model", "deepseek-chat", "--all-sources")
    cache = next(line for line in table.splitlines() if "input_cache_hit" in line and "USD" in line)
    # 0.028 USD x 7.0411 (the ECB's rate of 2025-12-19) = 0.1971508, shown as the figure's precision
    assert "0.028" in cache and "0.20 " in cache and "0.197151" not in cache
    _, out, _ = run("prices", "--source", "deepseek", "--model", "deepseek-chat", "--all-sources", "-f", "json")
    assert "0.197151" in out  # programs get every digit
