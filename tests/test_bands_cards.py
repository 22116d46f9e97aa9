"""Time bands (which of peak and off-peak is in force at a moment) and the readers
of prices drawn outside tables: price cards and flattened text tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.extract.bands import applies
from pipeline.extract.cards import card_rows
from pipeline.extract.collect import Collector
from pipeline.extract.flattext import flat_tables
from pipeline.extract.pricetable import TableDefaults, parse_tables
from pipeline.extract.tables import html_document

PEAK = "peak 01:00-04:00,06:00-10:00 UTC mon-fri except CN holidays"
OFF = "off-peak outside 01:00-04:00,06:00-10:00 UTC mon-fri except CN holidays"


def test_peak_and_off_peak_by_the_hour() -> None:
    thursday_peak = datetime(2026, 9, 24, 2, 30, tzinfo=UTC)
    thursday_gap = datetime(2026, 9, 24, 5, 0, tzinfo=UTC)  # between the two peak spans
    mid_autumn = datetime(2026, 9, 25, 2, 30, tzinfo=UTC)  # a Friday, and a Chinese public holiday
    saturday = datetime(2026, 9, 26, 2, 30, tzinfo=UTC)
    national_day = datetime(2026, 10, 1, 2, 30, tzinfo=UTC)  # a Thursday, a Chinese public holiday
    assert applies(PEAK, thursday_peak) is True and applies(OFF, thursday_peak) is False
    assert applies(PEAK, thursday_gap) is False and applies(OFF, thursday_gap) is True
    assert applies(PEAK, mid_autumn) is False and applies(OFF, mid_autumn) is True
    assert applies(PEAK, saturday) is False and applies(OFF, saturday) is True
    assert applies(PEAK, national_day) is False and applies(OFF, national_day) is True
    assert applies("context<=32K", thursday_peak) is None  # no band: in force at every hour
    # a discount window of its own hours (DeepSeek's 2025 night discount, Beijing time)
    assert applies("off-peak 00:30-08:30 UTC+8", datetime(2025, 3, 1, 17, 0, tzinfo=UTC)) is True


# HAND-MADE: the card layout the Zhipu issue quotes ("GLM-5.3 … 输入单价 8元 / M … 输出单价 28元 / M")
HAND_MADE_CARDS = """<html><body><div class="cards">
<div class="card"><h4>GLM-5.3</h4><span class="tag">新品</span>
<div class="row"><span>输入单价</span><span>8元 / M</span></div>
<div class="row"><span>输出单价</span><span>28元 / M</span></div></div>
<div class="card"><h4>GLM-5-Air</h4><p>输入单价 1元 / M</p><p>输出单价 4元 / M</p></div>
<p>GLM-5.3 是我们最新的旗舰模型，输入单价仅为 8 元。</p>
</div></body></html>"""


def test_price_cards_are_read_by_label_and_value() -> None:
    out = Collector(date(2026, 11, 1))
    doc = html_document(HAND_MADE_CARDS)
    assert doc is not None and card_rows(doc, TableDefaults("zhipu", "CNY", None), out) == 4
    rows = {(r.model, r.component): str(r.amount_per_mtok) for r in out.result().rows}
    assert rows == {
        ("glm-5.3", "input"): "8",
        ("glm-5.3", "output"): "28",
        ("glm-5-air", "input"): "1",
        ("glm-5-air", "output"): "4",
    }


# HAND-MADE, in the shape Jina Reader gives DeepSeek's Docusaurus table (tests/fixtures/deepseek/2026-06-02_*)
HAND_MADE_FLAT = """**MODEL alpha-1(1)beta-2
MODEL VERSION Model-A Model-B
FEATURES[Json Output](https://x/)✓✓
PRICING 1M INPUT TOKENS (CACHE HIT)$0.01$0.02
1M INPUT TOKENS (CACHE MISS)$0.1$0.2
1M OUTPUT TOKENS$1$2
Concurrency Limit(2)2500 500**
"""


def test_flattened_table_lines_are_a_transposed_table() -> None:
    tables = flat_tables(HAND_MADE_FLAT)
    assert [row[0] for row in tables[0].rows] == [
        "MODEL",
        "1M INPUT TOKENS (CACHE HIT)",
        "1M INPUT TOKENS (CACHE MISS)",
        "1M OUTPUT TOKENS",
    ]
    out = Collector(date(2026, 6, 2))
    parse_tables(tables, TableDefaults("deepseek", "USD", 1_000_000), out)
    rows = {(r.model, r.component): str(r.amount_per_mtok) for r in out.result().rows}
    assert rows[("beta-2", "input_cache_hit")] == "0.02" and rows[("alpha-1", "output")] == "1"


def test_prices_at_an_hour_answer_that_hours_band(tmp_path) -> None:
    """DeepSeek's September 2026 page prices peak and off-peak hours; --at picks the band in force."""
    import json

    from tests.cases import FIXTURES
    from tests.test_crawl import llmwatch

    page = FIXTURES / "deepseek/2026-09-24_api-docs-pricing_en_jina.md"
    proc = llmwatch(tmp_path, "ingest", str(page), "--source", "deepseek", "--fetched-at", "2026-09-24T00:00:00Z")
    assert proc.returncode == 0, proc.stderr

    def flash_input(at: str) -> list[tuple[str, str]]:
        out = llmwatch(tmp_path, "prices", "--model", "deepseek-flash", "--at", at, "--format", "json").stdout
        rows = [json.loads(line) for line in out.splitlines()]
        return [(r["condition"].split()[0], r["amount_per_mtok"]) for r in rows if r["component"] == "input"]

    assert flash_input("2026-09-24T02:30:00Z") == [("peak", "0.3")]  # Thursday 02:30 UTC
    assert flash_input("2026-09-24T05:00:00Z") == [("off-peak", "0.15")]
    assert flash_input("2026-09-26T02:30:00Z") == [("off-peak", "0.15")]  # Saturday
