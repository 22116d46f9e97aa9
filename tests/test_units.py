"""The price and unit parser: every spelling in domain.md, and round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.units import PriceError, fmt, parse_price, to_cny, unit_hint

# (text, table context, amount per 1M tokens, currency, free, limited)
SPELLINGS = [
    ("0.8厘/千tokens", {}, "0.8", "CNY", False, False),
    ("0.0005元/千tokens", {}, "0.5", "CNY", False, False),
    ("1元/百万tokens", {}, "1", "CNY", False, False),
    ("¥1/M tokens", {}, "1", "CNY", False, False),
    ("￥1/M tokens", {}, "1", "CNY", False, False),
    ("0.12元/万tokens", {}, "12", "CNY", False, False),
    ("$0.27 / 1M tokens", {}, "0.27", "USD", False, False),
    ("\\$0.3 / M tokens", {}, "0.3", "USD", False, False),
    ("$0.0015 per 1K tokens", {}, "1.5", "USD", False, False),
    ("$0.000001/token", {}, "1", "USD", False, False),
    ("2分/千tokens", {}, "20", "CNY", False, False),
    ("1角/千tokens", {}, "100", "CNY", False, False),
    ("免费", {"per_tokens": 1_000_000}, "0", "CNY", True, False),
    ("限时免费", {"per_tokens": 1_000_000}, "0", "CNY", True, True),
    ("Free", {"currency": "USD"}, "0", "USD", True, False),
    ("0.0008 元 ", {"per_tokens": 1000}, "0.8", "CNY", False, False),
    ("￥1.00", {"per_tokens": 1_000_000}, "1", "CNY", False, False),
    ("36", {"currency": "CNY", "per_tokens": 1_000_000}, "36", "CNY", False, False),
    ("0.2元", {"per_tokens": 1_000_000}, "0.2", "CNY", False, False),
    ("1,200元/百万tokens", {}, "1200", "CNY", False, False),
]


@pytest.mark.parametrize(("text", "ctx", "amount", "currency", "free", "limited"), SPELLINGS)
def test_spellings(text: str, ctx: dict, amount: str, currency: str, free: bool, limited: bool) -> None:
    p = parse_price(text, **ctx)
    assert (fmt(p.amount_per_mtok), p.currency, p.free, p.limited_time) == (amount, currency, free, limited)


def test_cache_hit_written_inside_another_cell() -> None:
    p = parse_price("2（缓存命中为0.5）", currency="CNY", per_tokens=1_000_000)
    assert (fmt(p.amount_per_mtok), fmt(p.cache_hit_per_mtok or Decimal(-1))) == ("2", "0.5")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no price"),
        ("-", "no price"),
        ("abc", "no number"),
        ("$60/M characters", "not a per-token price"),
        ("$3 per voice", "not a per-token price"),
        ("12", "no currency"),
    ],
)
def test_unreadable_prices_say_why(text: str, reason: str) -> None:
    with pytest.raises(PriceError, match=reason):
        parse_price(text, per_tokens=1_000_000)


def test_missing_token_unit_is_an_error_not_a_guess() -> None:
    with pytest.raises(PriceError, match="no token unit"):
        parse_price("2元")


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("输入价格（元/M Tokens）", ("CNY", 1_000_000)),
        ("**输入价格**<br /> 元/百万 tokens", ("CNY", 1_000_000)),
        ("单价（/千 tokens）", (None, 1000)),
        ("1M tokens", (None, 1_000_000)),
        ("Input", (None, None)),
    ],
)
def test_unit_hints_from_headers(header: str, hint: tuple) -> None:
    assert unit_hint(header) == hint


def test_dated_exchange_rate() -> None:
    from pipeline.extract.fx import Rates

    rates = Rates({"2024-01-01": "7.1", "2025-01-01": "7.3"})  # the yearly table alone, no ECB history
    assert to_cny(Decimal("1"), "USD", date(2024, 12, 31), rates) == Decimal("7.1")
    assert to_cny(Decimal("1"), "USD", date(2025, 1, 1), rates) == Decimal("7.3")
    assert to_cny(Decimal("5"), "CNY", date(2025, 1, 1), rates) == Decimal("5")


amounts = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4, allow_nan=False)
units = st.sampled_from([("千tokens", 1000), ("万tokens", 10_000), ("百万tokens", 1_000_000), ("1K tokens", 1000)])


@given(amounts, units, st.sampled_from(["元", "厘"]))
def test_round_trip_chinese(amount: Decimal, unit: tuple[str, int], sub: str) -> None:
    text = f"{fmt(amount)}{sub}/{unit[0]}"
    scale = Decimal("0.001") if sub == "厘" else Decimal(1)
    expected = amount * scale * Decimal(1_000_000) / unit[1]
    p = parse_price(text)
    assert p.currency == "CNY" and p.amount_per_mtok == expected


@given(amounts, st.sampled_from([("1M tokens", 1_000_000), ("1K tokens", 1000), ("M tokens", 1_000_000)]))
def test_round_trip_usd(amount: Decimal, unit: tuple[str, int]) -> None:
    p = parse_price(f"${fmt(amount)} / {unit[0]}")
    assert p.currency == "USD" and p.amount_per_mtok == amount * Decimal(1_000_000) / unit[1]


@given(st.text(max_size=60))
def test_never_crashes_on_any_text(text: str) -> None:
    try:
        p = parse_price(text, currency="CNY", per_tokens=1_000_000)
    except PriceError:
        return
    assert p.amount_per_mtok >= 0
