"""Prices in time: a price announced for later, a limited-time offer with an
end, and peak/off-peak windows; ``prices --at`` answers with what was in force."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from llmwatch.views import events_view, prices_view
from pipeline.extract import terms
from pipeline.extract.records import Extraction, PriceRow
from tests.conftest import ingest_fixture


def _at(s: Session, when: str) -> dict[tuple[str, str], Decimal]:
    at = datetime.fromisoformat(when)
    return {
        (r["component"], r["condition"] or ""): r["amount_per_mtok"]
        for r in prices_view(s, model="deepseek-chat", at=at)
    }


def test_a_price_announced_for_later_is_in_force_only_from_then(factory: sessionmaker[Session]) -> None:
    ingest_fixture(factory, "deepseek/2025-08-01_handmade_before-price-change.md", "2025-08-01T00:00:00+00:00")
    ingest_fixture(factory, "deepseek/2025-08-21_handmade_future-price-note.md", "2025-08-21T00:00:00+00:00")
    with factory() as s:
        # announced on 08-21, in force from 2025-09-05 16:00 Beijing time (08:00 UTC)
        assert _at(s, "2025-08-25T00:00:00+00:00")[("output", "")] == Decimal(8)
        assert _at(s, "2025-09-05T07:59:00+00:00")[("input_cache_hit", "")] == Decimal("0.5")
        after = _at(s, "2025-09-05T08:00:00+00:00")
        assert (after[("output", "")], after[("input_cache_hit", "")], after[("input", "")]) == (3, Decimal("0.2"), 2)
        assert _at(s, "2025-08-02T00:00:00+00:00")[("output", "")] == Decimal(8)
        now = {(r["component"]): r for r in prices_view(s, model="deepseek-chat")}
        assert now["output"]["amount_per_mtok"] == 3
        assert now["output"]["effective_from"] == datetime(2025, 9, 5, 8, 0, tzinfo=UTC)
        changed = [e for e in events_view(s, type_="price_changed") if e["model"] == "deepseek-chat"]
    assert {(e["component"], e["old"], e["new"], e["effective_from"]) for e in changed} == {
        ("output", Decimal(8), Decimal(3), "2025-09-05T08:00:00Z"),
        ("input_cache_hit", Decimal("0.5"), Decimal("0.2"), "2025-09-05T08:00:00Z"),
    }
    # the real December page no longer repeats the note: the start date stays, nothing doubles
    ingest_fixture(factory, "deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T00:00:00+00:00")
    with factory() as s:
        assert len(prices_view(s, model="deepseek-chat", at=datetime(2025, 8, 25, tzinfo=UTC))) == 3
        assert _at(s, "2025-08-25T00:00:00+00:00")[("output", "")] == Decimal(8)


def test_peak_prices_in_force_from_their_date_and_not_while_only_announced(factory: sessionmaker[Session]) -> None:
    ingest_fixture(factory, "deepseek/2026-08-01_zh_clipping_v4.md", "2026-08-01T00:00:00+00:00")
    ingest_fixture(factory, "deepseek/2026-09-02_handmade_peak-pricing.md", "2026-09-02T00:00:00+00:00")
    peak = "peak 09:00-12:00,14:00-18:00 UTC+8"
    with factory() as s:
        july = prices_view(s, model="deepseek-v4-pro", at=datetime(2026, 8, 15, tzinfo=UTC))
        assert {r["condition"] for r in july} == {None}  # the real page only announced it
        sept = {(r["component"], r["condition"]): r for r in prices_view(s, model="deepseek-v4-pro")}
    assert sept["output", peak]["amount_per_mtok"] == 12 and sept["output", None]["amount_per_mtok"] == 6
    assert sept["output", peak]["effective_from"] == datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
    assert sept["output", peak]["raw"] == "6元 x 2 (peak)"


def _row(raw: str, amount: str = "0", limited: bool = True) -> PriceRow:
    value = Decimal(amount)
    return PriceRow("moonshot", "kimi-latest", "input", None, value, "CNY", value, raw, value == 0, limited)


def test_a_limited_time_offer_ends_after_its_last_day() -> None:
    # hand-made cell text in the style of 限时免费 offers
    (row,) = terms.apply(Extraction([_row("限时免费（至2024年6月30日）")]), "").rows
    assert row.free and row.limited_time
    assert row.effective_to == datetime(2024, 6, 30, 16, 0, tzinfo=UTC)  # midnight Beijing time


def test_an_off_peak_discount_and_an_english_start_date() -> None:
    # hand-made notes in the forms providers use (DeepSeek's 2025 night discount; an English changelog)
    text = (
        "优惠时段（北京时间 00:30-08:30）所有模型 5折 计费。\n\n"
        "New prices are effective from 2025-09-05 16:00 UTC for every model."
    )
    rows = terms.apply(Extraction([_row("2元", "2", False)]), text).rows
    assert [(r.condition, r.amount_per_mtok, r.effective_from) for r in rows] == [
        (None, Decimal(2), datetime(2025, 9, 5, 16, 0, tzinfo=UTC)),
        ("off-peak 00:30-08:30 UTC+8", Decimal(1), datetime(2025, 9, 5, 16, 0, tzinfo=UTC)),
    ]


def test_a_feature_that_starts_on_a_date_is_not_a_price_date() -> None:
    real = "部分模型于2025年4月14日21:00开始支持透明前缀缓存能力，无需任何配置，命中缓存后可享受更低的单价"
    assert terms.effective_from(real) is None  # from the real Ark page
    upcoming = (  # the real v4 page's note: announced, no date
        "DeepSeek API 服务即将采用峰谷定价策略，高峰时段价格为平时价格 2 倍，具体时间以正式通知为准。"
        "【高峰时段定义：北京时间每日 9:00～12:00】"
    )
    assert terms.windows(upcoming) == []
