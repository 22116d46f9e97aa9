"""Money and date readers (shared with the funding pipeline): domain.md's forms."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.dates import DateError, parse_date
from pipeline.extract.money import MoneyError, cn_number, parse_money


@pytest.mark.parametrize(
    ("text", "amount", "currency", "qualifier"),
    [
        ("8亿美元", "800000000", "USD", "exact"),
        ("超25亿元", "2500000000", "CNY", "over"),
        ("10亿美元估值", "1000000000", "USD", "exact"),
        ("二十五亿元", "2500000000", "CNY", "exact"),
        ("超10億美元", "1000000000", "USD", "over"),
        ("$1bn", "1000000000", "USD", "exact"),
        ("US$ 600 million", "600000000", "USD", "exact"),
        ("$2,5 billion", "2500000000", "USD", "exact"),
        ("2.5 billion yuan (US$342 million)", "2500000000", "CNY", "exact"),
        ("about $800 million", "800000000", "USD", "about"),
        ("more than $1 billion", "1000000000", "USD", "over"),
        ("数亿元", None, "CNY", "vague"),
        ("hundreds of millions of dollars", None, "USD", "vague"),
    ],
)
def test_money(text: str, amount: str | None, currency: str, qualifier: str) -> None:
    m = parse_money(text)
    assert (None if m.amount is None else format(m.amount, "f"), m.currency, m.qualifier) == (
        amount,
        currency,
        qualifier,
    )


def test_chinese_numerals() -> None:
    assert cn_number("三千五百万") == 35_000_000
    assert cn_number("十亿") == 1_000_000_000
    assert cn_number("一百零五") == 105


FETCHED = datetime(2024, 7, 6, 12, 0, tzinfo=UTC).astimezone()  # any zone: relative to the instant


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024年7月6日", "2024-07-05T16:00:00"),
        ("2024-07-06 10:32", "2024-07-06T02:32:00"),
        ("2024-07-06T10:32:00+02:00", "2024-07-06T08:32:00"),
        ("07-06", "2024-07-05T16:00:00"),
        ("12-30", "2023-12-29T16:00:00"),  # a month-day in the future is last year's
        ("3小时前", "2024-07-06T09:00:00"),
        ("昨天 14:05", "2024-07-05T06:05:00"),
        ("Jul 6, 2024", "2024-07-05T16:00:00"),
        ("Sat, 06 Jul 2024 10:00:00 +0000", "2024-07-06T10:00:00"),
        ("6 July 2024 09:30", "2024-07-06T01:30:00"),  # through dateparser
    ],
)
def test_dates(text: str, utc: str) -> None:
    assert parse_date(text, FETCHED).replace(tzinfo=None).isoformat() == utc


@given(st.text(max_size=40))
def test_readers_never_crash(text: str) -> None:
    for reader in (parse_money, lambda t: parse_date(t, FETCHED)):
        with contextlib.suppress(MoneyError, DateError):
            reader(text)


def test_impossible_dates_are_date_errors() -> None:
    with pytest.raises(DateError, match="not a valid date"):
        parse_date("2024年13月45日", FETCHED)


def test_money_round_trip() -> None:
    for n in (1, 12, 250, 3000):
        assert parse_money(f"{n}亿元").amount == Decimal(n) * 10**8


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_dates_round_trip(moment: datetime) -> None:
    """A moment written the ways pages write it (Beijing time) reads back as the same moment."""
    from pipeline.extract.dates import SHANGHAI

    local = moment.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
    for text in (
        f"{local:%Y-%m-%d %H:%M}",
        f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
        local.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        local.isoformat(),
    ):
        assert parse_date(text, FETCHED) == local.astimezone(UTC), text
