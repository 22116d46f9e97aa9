"""Money amounts in Chinese and English news text -> amount, currency, qualifier.

``超25亿元`` -> 2500000000 CNY over; ``US$ 600 million`` -> 600000000 USD;
``二十五亿`` -> 2500000000 (Chinese numerals read by ``cn2an``); ``数亿美元`` ->
vague, no amount; ``38–40亿美元`` -> 3800000000 up to 4000000000 (a range);
``S$338 million`` is SGD, ``£`` GBP, ``HK$`` HKD. ``find_money`` gives every
mention with its place in the text; ``parse_money`` the first one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

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
    "mln": 10**6,
    "mil": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "bil": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "t": 10**12,
    "tn": 10**12,
    "trillion": 10**12,
}
#: (code, prefix pattern, suffix pattern); the first that matches names the currency
_CURRENCIES = (
    ("HKD", r"HK\$|HKD|港币|港元", r"港元|港币|HKD\b|Hong Kong dollars?\b"),
    ("SGD", r"S\$|SGD", r"新加坡元|新元|SGD\b|Singapore dollars?\b"),
    ("TWD", r"NT\$|TWD", r"新台币|TWD"),
    ("AUD", r"A\$|AUD", r"澳元|AUD"),
    ("USD", r"US\$|USD|\$", r"美元|美金|USD\b|US dollars?\b|dollars?\b"),
    ("GBP", r"£|GBP", r"英镑|GBP\b|pounds?(?: sterling)?\b"),
    ("EUR", r"€|EUR", r"欧元|EUR\b|euros?\b"),
    ("KRW", r"₩|KRW", r"韩元|KRW\b|won\b"),
    ("JPY", r"JPY", r"日元|JPY\b|yen\b"),
    ("CNY", r"RMB|CNY|¥|￥|人民币", r"元人民币|人民币|元|RMB\b|CNY\b|yuan\b"),
)
_PRE = "|".join(f"(?P<pre_{c}>{p})" for c, p, _ in _CURRENCIES)
_POST = "|".join(f"(?P<post_{c}>{p})" for c, _, p in _CURRENCIES)
_NUM = r"\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千]+"
_CN_SCALE = r"万亿|千亿|百亿|十亿|亿|千万|百万|十万|万"
_EN_SCALE = r"trillion|billions?|millions?|thousand|bn|bil|mln|mn|mil|tn|[kmbtKMBT]"
_MENTION = re.compile(
    # a mention starts at a currency sign, a digit or a Chinese numeral: the engine skips other places fast
    r"(?=[\d$£€¥￥₩零〇一二两三四五六七八九十百千数几好万亿]|US|HK|S\$|NT|A\$|RMB|CNY|USD|HKD|SGD|TWD|AUD|GBP|EUR|KRW|JPY|人民币|港)"
    rf"(?:(?:{_PRE})\s?)?"
    rf"(?P<vague>数|几|好几)?(?:(?P<num>{_NUM})(?:\s?(?:-|–|—|~|～|到|to)\s?(?P<num2>{_NUM}))?)?"
    rf"\s?(?P<scale>{_CN_SCALE}|(?<=[\d\s])(?:{_EN_SCALE})(?![A-Za-z]))?(?P<plus>\+|多|余)?"
    rf"\s?(?:{_POST})?",
    re.I,
)
_EN_VAGUE = re.compile(
    r"(?:hundreds|tens) of millions(?: of (?:US )?(?P<cur>dollars|yuan))?|several (?:hundred )?(?:million|billion)"
    r"(?: (?P<cur2>dollars|yuan))?|billions of (?:US )?(?P<cur3>dollars|yuan)",
    re.I,
)
_QUALIFIER_WORDS = (
    (
        "over",
        r"超过|超出|超|逾|不少于|不低于|至少|突破|破|多于|more than|over|at least|exceeding|above|upwards of|"
        r"in excess of|north of",
    ),
    ("about", r"将近|接近|近|约|大约|约合|about|around|nearly|approximately|approx\.?|roughly|some|almost|close to|~"),
    ("up_to", r"高达|最高|至多|up to|as much as|as high as"),
)
_QUALIFIER_BEFORE = [
    (name, re.compile(rf"(?:{words})\s?(?:达|至|到|for|of)?\s?$", re.I)) for name, words in _QUALIFIER_WORDS
]


_COUNTER = re.compile(
    r"\s?(?:股|吨|人|台|辆|个|次|份|名|位|条|张|部|款|项|篇|套|件|枚|颗|像素|用户|tokens?|shares|users)", re.I
)


class MoneyError(ValueError):
    pass


@dataclass(frozen=True)
class Money:
    amount: Decimal | None
    currency: str | None
    qualifier: str
    #: the upper end of a range ("38–40亿美元"), else None
    high: Decimal | None = None


@dataclass(frozen=True)
class Mention(Money):
    start: int = 0
    end: int = 0
    raw: str = ""
    #: a Chinese or English scale word was written (亿, million): the figure is money-sized
    scaled: bool = False


def cn_number(text: str) -> int:
    """``二十五亿`` -> 2500000000; ``三千五百万`` -> 35000000 (``cn2an``)."""
    import cn2an

    if text[:1] in "十百千万亿":
        text = "一" + text
    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError) as exc:
        raise MoneyError(f"not a Chinese numeral: {text!r}") from exc


def _number(raw: str) -> Decimal:
    # "2,5" is a decimal comma; "1,000" and "1,000,000" are thousands
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
        return Decimal(raw.replace(",", ""))
    if re.fullmatch(r"\d+,\d{1,2}", raw):
        return Decimal(raw.replace(",", "."))
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return Decimal(raw)
    if re.fullmatch(r"[\d.,]+", raw):
        raise MoneyError(f"not a number: {raw!r}")
    return Decimal(cn_number(raw))


def _currency(m: re.Match[str], kind: str) -> str | None:
    return next((c for c, _, _ in _CURRENCIES if m.group(f"{kind}_{c}")), None)


def _qualifier(before: str) -> str:
    return next((name for name, rx in _QUALIFIER_BEFORE if rx.search(before)), "exact")


def find_money(text: str) -> list[Mention]:
    """Every money mention in ``text`` (NFKC, simplified script), in order."""
    return list(_find_money(text))


@lru_cache(maxsize=4096)
def _find_money(text: str) -> tuple[Mention, ...]:
    out: list[Mention] = []
    for m in _MENTION.finditer(text):
        if not (m.group("num") or m.group("scale")) or m.end() == m.start():
            continue
        pre, post = _currency(m, "pre"), _currency(m, "post")
        scale = m.group("scale") or ""
        chinese_scale = bool(re.fullmatch(_CN_SCALE, scale))
        if not (pre or post or chinese_scale):
            continue  # a bare number is not money
        if scale and not chinese_scale and not pre and not post:
            continue
        if m.group("num") is None and not chinese_scale:
            continue
        num = m.group("num")
        if num and re.fullmatch(r"[零〇一二两三四五六七八九十百千]+", num) and not post and "亿" not in scale:
            continue  # Chinese numerals without a currency are words ("零一万物", "一万年"); "百亿" is money
        if not (pre or post) and _COUNTER.match(text, m.end()):
            continue  # "3700 万股", "5000 万用户": a count, not money
        qualifier = _qualifier(text[max(0, m.start() - 12) : m.start()])
        if m.group("plus"):
            qualifier = "over"
        try:
            factor = Decimal(_SCALES.get(scale.lower(), 1)) if scale else Decimal(1)
            if m.group("vague"):
                amount, high, qualifier = None, None, "vague"
            elif num is None and not (post and "亿" in scale):
                continue  # a bare "万" or "亿" without a currency ("万吨级产能")
            elif num is None:  # "亿元融资", "近亿元": a round of the 100-million order
                amount, high = factor, None
                qualifier = "about" if qualifier == "exact" else qualifier
            else:
                amount = _number(num) * factor
                high = _number(m.group("num2")) * factor if m.group("num2") else None
        except (MoneyError, InvalidOperation):
            continue
        if high is not None and amount is not None:
            if high <= amount:
                continue
            qualifier = "range"
        out.append(
            Mention(
                amount=amount.normalize() if amount else amount,
                currency=pre or post,
                qualifier=qualifier,
                high=high.normalize() if high else None,
                start=m.start(),
                end=m.end(),
                raw=m.group().strip(),
                scaled=bool(scale),
            )
        )
    for v in _EN_VAGUE.finditer(text):
        cur = (v.group("cur") or v.group("cur2") or v.group("cur3") or "dollars").lower()
        out.append(Mention(None, "CNY" if cur == "yuan" else "USD", "vague", None, v.start(), v.end(), v.group(), True))
    return tuple(sorted(out, key=lambda x: x.start))


def parse_money(text: str) -> Money:
    """The first amount in ``text``, with its currency and qualifier."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise MoneyError("empty text")
    from pipeline.extract.names import simplified

    found = find_money(simplified(cleaned))
    if not found:
        raise MoneyError(f"no amount in {text!r}")
    first = found[0]
    if first.currency is None and first.qualifier != "vague":
        raise MoneyError(f"no currency in {text!r}")
    return Money(first.amount, first.currency, first.qualifier, first.high)
