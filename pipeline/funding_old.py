"""Funding rounds in news text, Chinese and English: rules and dictionaries,
no remote model. Pure: title and text in, a ``FundingReport`` (or why not) out.

The traps it knows: a bracketed conversion is the same amount; a valuation is
never the amount ("backs US$2.5 billion AI startup"); a background mention of
an older round is not this article's event; an article saying a company has
not raised outside money yields nothing; unknown fields stay null.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pipeline.companies import DISPLAY, FOUNDERS, companies_in, investors_in
from pipeline.money import MoneyError, parse_money

_CURRENCY_WORDS = r"(?:US\$|HK\$|S\$|\$|USD|RMB|CNY|¥|￥)"
_SCALE = r"(?:trillion|billion|bil|bn|million|mln|mn|[bmk])\b"
_MONEY = re.compile(
    rf"{_CURRENCY_WORDS}\s?\d[\d,.]*\s*(?:{_SCALE})?"
    rf"|\d[\d,.]*\s*(?:{_SCALE})?\s*(?:yuan|dollars|US dollars|元人民币|美元|人民币|港元|元)"
    r"|\d[\d.]*\s*(?:万亿|千亿|百亿|十亿|亿|千万|百万|万)\s*(?:美元|人民币|港元|元)?"
    r"|[零一二两三四五六七八九十百千]+[万亿]+\s*(?:美元|人民币|元)"
    r"|数[十百千]?[万亿]\s*(?:美元|人民币|元)?"
    r"|hundreds of millions of (?:dollars|yuan)",
    re.I,
)
_QUALIFIER_BEFORE = re.compile(
    r"(超过|超|逾|近|约|最高|at least|more than|over|about|nearly|around|up to|some)\s*$", re.I
)
_VALUATION_BEFORE = re.compile(
    r"(valuation of|valued at|valuing [\w. ]{1,30}?|values? (?:it|them|the company|the startup|\w+) at|worth"
    r"|估值|估值达到|估值达|估值为|投后估值|投前估值)\s*"
    r"(超过|超|逾|近|约|at least|more than|over|about|nearly|around)?\s*$",
    re.I,
)
_VALUATION_AFTER = re.compile(r"^\s*(valuation|估值|(AI )?(start-?up|company|firm|unicorn))", re.I)
_BACKGROUND = re.compile(
    r"last year|previously|earlier this|prior round|followed an|previous round|in \d{4},|此前|去年|之前|上一轮|曾获",
    re.I,
)
_NOT_RAISED = re.compile(
    r"(has not|hasn't|have not|did not|never) (raised|taken|accepted)|no outside (money|funding|capital)"
    r"|未(进行|接受)?(任何)?(外部)?融资|尚未融资|没有(任何)?(外部)?融资|不融资",
    re.I,
)
_TALKS = re.compile(r"in talks|is raising|plans to raise|seeking to raise|is leading|洽谈|拟融资|正在(进行|洽谈)", re.I)
_ROUNDS = (
    (re.compile(r"pre-?A\s*轮|pre-?A round|series pre-?A", re.I), "pre-A"),
    (re.compile(r"天使轮|angel round", re.I), "angel"),
    (re.compile(r"种子轮|seed round", re.I), "seed"),
    (re.compile(r"战略(投资|融资)|strategic (round|funding round|financing)", re.I), "strategic"),
    (re.compile(r"\bIPO\b|首次公开募股|上市", re.I), "IPO"),
    (re.compile(r"(?<![A-Za-z])([A-F]\+?)\d?\s*轮|series ([A-F]\+?)\b|\b([A-F]\+?)-round", re.I), None),
)
_LEAD = (
    re.compile(r"(?:led by|spearheaded by)\s+([^.,;]+)", re.I),
    re.compile(r"([\w.'’ &-]{2,40}?)\s+(?:is leading|leads|led|leading)\b(?! to)", re.I),
    re.compile(r"([^，。,；\s]{2,20}?)领投"),
)
_LEAD_WORDS = (("led by", "spearheaded by"), ("lead", "led"), ("领投",))
_UNICORN = re.compile(r"unicorn|独角兽", re.I)


_TRADITIONAL_CHARS = re.compile("[億萬輪領資]")
_TRADITIONAL = str.maketrans({"億": "亿", "萬": "万", "輪": "轮", "領": "领", "資": "资", "融": "融"})


class NoFunding(ValueError):
    """The text reports no funding round of a tracked company (the reason says why)."""


@dataclass
class FundingReport:
    company: str
    company_name: str
    round: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    amount_qualifier: str | None = None
    valuation: Decimal | None = None
    valuation_currency: str | None = None
    valuation_qualifier: str | None = None
    lead_investors: list[str] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)
    announced_on: date | None = None
    status: str = "closed"


@dataclass
class _Money:
    amount: Decimal | None
    currency: str | None
    qualifier: str
    valuation: bool
    background: bool
    in_title: bool


_FUNDING_WORDS = (
    *("融资", "投资", "领投", "跟投", "估值", "轮", "注资", "入股", "独角兽", "募", "上市"),
    *("raise", "fund", "invest", "valu", "round", "series", "stake", "unicorn", "ipo", "backed"),
)


def extract_funding(title: str, text: str = "", published_at: datetime | None = None) -> FundingReport:
    """The funding round ``title`` and ``text`` report; raises ``NoFunding`` with the reason."""
    title = _clean(title)
    text = _clean(text)
    whole = f"{title}\n{text}"
    lower = whole.lower()
    # substring tests before each pattern: the patterns cost a tenth of a millisecond on a long article
    maybe_not = "融资" in whole or any(w in lower for w in ("raised", "taken", "accepted", "outside"))
    if maybe_not and _NOT_RAISED.search(whole):
        raise NoFunding("the article says the company has not raised outside money")
    company = _company(title, text)
    if company is None:
        raise NoFunding("no tracked company is named")
    cid, name = company
    if not any(word in lower for word in _FUNDING_WORDS):  # most news: stop here
        raise NoFunding(f"{name} is named, but no amount, valuation or round")
    chinese = bool(re.search(r"[\u4e00-\u9fff]", whole))
    monies = [m for m in _monies(text, chinese, False) + _monies(title, chinese, True) if not m.background]
    amount = next((m for m in monies if not m.valuation and m.amount is not None), None)
    vague = next((m for m in monies if not m.valuation and m.amount is None), None)
    valuation = next((m for m in monies if m.valuation), None)
    foreground = " ".join(s for s in re.split(r"(?<=[.。;；])\s*", whole) if not _BACKGROUND.search(s))
    report = FundingReport(company=cid, company_name=name, round=_round(foreground))
    if amount is not None:
        report.amount, report.currency, report.amount_qualifier = amount.amount, amount.currency, amount.qualifier
    elif vague is not None:
        report.currency, report.amount_qualifier = vague.currency, "vague"
    if valuation is not None:
        report.valuation, report.valuation_qualifier = valuation.amount, valuation.qualifier
        report.valuation_currency = valuation.currency or report.currency or ("CNY" if chinese else None)
    elif _UNICORN.search(whole):
        report.valuation, report.valuation_currency, report.valuation_qualifier = Decimal(10**9), "USD", "over"
    if report.amount is None and report.valuation is None and report.round is None and vague is None:
        raise NoFunding(f"{name} is named, but no amount, valuation or round")
    investors = [iid for _, iid, _ in investors_in(whole) if iid != cid]
    report.investors = list(dict.fromkeys(investors))
    report.lead_investors = _leads(whole, cid)
    report.status = "talks" if _TALKS.search(whole) else "closed"
    if published_at is not None:
        from pipeline.dates import SHANGHAI

        # the day as the outlet's readers saw it: Beijing time for Chinese pages
        report.announced_on = (published_at.astimezone(SHANGHAI) if chinese else published_at).date()
    return report


def _clean(text: str) -> str:
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):  # the check is far cheaper than normalising
        text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'")
    if _TRADITIONAL_CHARS.search(text):  # translate() walks every character; most text has none
        text = text.translate(_TRADITIONAL)
    return re.sub(r"\s+", " ", text).strip()


def _company(title: str, text: str) -> tuple[str, str] | None:
    """The startup the story is about: first named in the title, else in the text."""
    for part in (title, text):
        found = companies_in(part)
        if found:
            _, cid, name = found[0]
            if name in FOUNDERS.get(cid, ()) or name == "0.1AI":  # a founder or a misspelling names the company
                name = DISPLAY[cid]
            return cid, name
    return None


def _monies(text: str, chinese: bool, in_title: bool) -> list[_Money]:
    out: list[_Money] = []
    previous_end = -10
    for m in _MONEY.finditer(text):
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 30]
        # "2.5 billion yuan ($342 million)": the bracket is the same amount, converted
        if text[previous_end : m.start()].strip() in ("(", "(or", "(about", "(approx.", "(约", "(合"):
            previous_end = m.end()
            continue
        previous_end = m.end()
        qualifier = _QUALIFIER_BEFORE.search(before)
        snippet = (qualifier.group(1) + " " if qualifier else "") + m.group()
        try:
            money = parse_money(snippet)
        except MoneyError:
            try:  # 估值超200亿: the currency is implied (CNY on a Chinese page)
                money = parse_money(snippet + ("元" if chinese else " dollars"))
            except MoneyError:
                continue
        sentence = _sentence(text, m.start(), m.end())
        out.append(
            _Money(
                amount=money.amount,
                currency=money.currency,
                qualifier=money.qualifier,
                valuation=bool(_VALUATION_BEFORE.search(before) or _VALUATION_AFTER.search(after)),
                background=bool(_BACKGROUND.search(sentence)),
                in_title=in_title,
            )
        )
    return out


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(p, 0, start) for p in (". ", "。", "; ", "；", "\n"))
    rights = [i for i in (text.find(p, end) for p in (". ", "。", "; ", "；", "\n")) if i >= 0]
    return text[left + 1 : min(rights) if rights else len(text)]


def _round(text: str) -> str | None:
    for rx, name in _ROUNDS:
        m = rx.search(text)
        if m:
            return name or next(g for g in m.groups() if g).upper()
    return None


def _lead_matches(rx: re.Pattern[str], text: str, words: tuple[str, ...]) -> list[re.Match[str]]:
    """``rx``'s matches; for 领投, searched only just before each occurrence (the pattern is
    lazy and would try every position of a long text)."""
    if words != ("领投",):
        return list(rx.finditer(text))
    found, at = [], text.find("领投")
    while at >= 0:
        m = rx.search(text[max(0, at - 20) : at + 2])
        if m is not None:
            found.append(m)
        at = text.find("领投", at + 2)
    return found


def _leads(text: str, company: str) -> list[str]:
    leads: list[str] = []
    lower = text.lower()
    for rx, words in zip(_LEAD, _LEAD_WORDS, strict=True):
        if not any(w in lower for w in words):  # a substring test first: the patterns are slow on long text
            continue
        for m in _lead_matches(rx, text, words):
            for _, iid, _ in investors_in(m.group(1)):
                if iid != company and iid not in leads:
                    leads.append(iid)
    return leads
