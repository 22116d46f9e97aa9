"""Money amounts in Chinese and English news text -> amount, currency, qualifier.

``超25亿元`` -> 2500000000 CNY over; ``US$ 600 million`` -> 600000000 USD;
``二十五亿`` -> 2500000000; ``数亿美元`` -> vague, no amount. A bracketed
conversion (``2.5 billion yuan (US$342 million)``) is the same amount: the
first one is taken.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_SCALES = {
    "万": 10**4,
    "十万": 10**5,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
    "十亿": 10**9,
    "百亿": 10**10,
    "千亿": 10**11,
    "万亿": 10**12,
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "t": 10**12,
    "trillion": 10**12,
}
_QUALIFIERS = (
    (
        "vague",
        re.compile(
            r"数[十百千]?[万亿]|几[十百千]?[万亿]|hundreds of millions|tens of millions"
            r"|several (?:hundred )?(?:million|billion)",
            re.I,
        ),
    ),
    ("over", re.compile(r"超过|超|逾|多于|以上|余|more than|over|at least|above|upwards of|in excess of", re.I)),
    ("about", re.compile(r"近|约|大约|左右|接近|about|around|nearly|approximately|roughly|some|close to", re.I)),
    ("up_to", re.compile(r"最高|至多|up to|as much as", re.I)),
)
_CURRENCIES = (
    ("HKD", re.compile(r"港元|港币|HK\$|HKD", re.I)),
    ("USD", re.compile(r"美元|美金|US\$|\$|USD|dollars?", re.I)),
    ("CNY", re.compile(r"人民币|元|RMB|CNY|yuan|¥", re.I)),
    ("EUR", re.compile(r"欧元|€|EUR|euros?", re.I)),
)
_TRADITIONAL = str.maketrans({"億": "亿", "萬": "万", "兩": "两", "圓": "元"})
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_AMOUNT = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)\s*(?P<scale>万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|trillion|billions?|millions?|thousand|bn|mn|[kmbt])?(?![a-z])",
    re.I,
)


class MoneyError(ValueError):
    pass


@dataclass(frozen=True)
class Money:
    amount: Decimal | None
    currency: str | None
    qualifier: str


def cn_number(text: str) -> int:
    """``二十五亿`` -> 2500000000; ``三千五百万`` -> 35000000."""
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        elif ch in _CN_BIG:
            section += digit
            if _CN_BIG[ch] == 10**8:
                total = (total + section) * 10**8
            else:
                total += section * _CN_BIG[ch]
            section = digit = 0
        else:
            raise MoneyError(f"not a Chinese numeral: {text!r}")
    return total + section + digit


def _number(raw: str) -> Decimal:
    # "2,5" is a decimal comma; "1,000" and "1,000,000" are thousands
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
        return Decimal(raw.replace(",", ""))
    if re.fullmatch(r"\d+,\d{1,2}", raw):
        return Decimal(raw.replace(",", "."))
    return Decimal(raw.replace(",", ""))


def parse_money(text: str) -> Money:
    """The first amount in ``text``, with its currency and qualifier."""
    cleaned = unicodedata.normalize("NFKC", text).strip().translate(_TRADITIONAL)
    if not cleaned:
        raise MoneyError("empty text")
    head = re.split(r"[(（]", cleaned, maxsplit=1)[0] or cleaned  # a bracket is a conversion
    qualifier = next((name for name, rx in _QUALIFIERS if rx.search(head)), "exact")
    currency = next((code for code, rx in _CURRENCIES if rx.search(head)), None)
    if qualifier == "vague":
        return Money(None, currency, "vague")
    m = _AMOUNT.search(head)
    if m:
        value = _number(m.group("num"))
        scale = (m.group("scale") or "").lower()
        amount = value * _SCALES.get(scale, 1)
    else:
        cn = _CN_NUMBER.search(head)
        if cn is None or not any(c in _CN_DIGITS for c in cn.group()):
            raise MoneyError(f"no amount in {text!r}")
        amount = Decimal(cn_number(cn.group()))
    if currency is None:
        raise MoneyError(f"no currency in {text!r}")
    return Money(amount.normalize() if amount else Decimal(0), currency, qualifier)
