"""Funding rounds in news text, Chinese and English: rules and a names file,
no remote model. Pure: title and text in, ``FundingReport`` records out.

A page is cut into stories (a digest's items), each story into sentences; a
sentence's companies are those it says raised, and each figure belongs to the
company named before it. So a digest or a roundup gives one report per
company, each with its own figures. What a figure is (amount, valuation, a
conversion, a cumulative total, an older round) is ``figures.role_of``'s to
say; who invested is ``parties``'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from pipeline.extract.funding import figures, parties
from pipeline.extract.funding.text import Story, clauses, sentences, stories
from pipeline.extract.money import Mention, find_money
from pipeline.extract.names import Named, Registry, default, slug


class NoFunding(ValueError):
    """The text reports no funding round (the reason says why)."""


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
    #: closed, talks, or denied (a denial is reported, never stored as a round)
    status: str = "closed"
    #: pre or post (投前 / 投后) where the text says
    valuation_basis: str | None = None
    #: the upper end where the amount is a range ("38–40亿美元")
    amount_high: Decimal | None = None
    #: round; or ipo_filing / ipo_listing / ipo_plan, which are not rounds
    kind: str = "round"


@dataclass
class _Company:
    key: str
    name: str
    figures: list[figures.Figure] = field(default_factory=list)
    rounds: list[list[str]] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    status_text: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    raised: bool = False
    ipo_money: bool = False
    new: bool = False


_ROUND_PHRASE = re.compile(
    r"完成(?:了)?(?:新一轮|新一轮|首轮|新的一轮|新)?(?:[^,。;]{0,8})?融资|"
    r"获(?:得)?(?:新一轮|新)?(?:[^,。;]{0,10})?(?:投资|融资|注资)|"
    r"融资落地|入股|参投|参与了|注资|又融资了|"
    r"\b(?:raises|raised|secures|secured|closes|closed|lands|landed|gets|got|receives|received|attracts|attracted) "
    r"(?:new |fresh |more |additional )?(?:funding|financing|investment|capital|backing)\b|"
    r"(?:completes|completed|closes|closed|finished|finishes|finali[sz]e[sd]) [^.;]{0,40}?\bround",
    re.I,
)
#: the words a round, a valuation, a denial or an IPO is told with (substring tests: far cheaper than a pattern)
_HINTS_CJK = (
    *("融资", "融資", "投资", "投資", "领投", "領投", "跟投", "参投", "入局", "加注", "估值", "注资", "入股", "募资"),
    *("募集", "上市", "招股", "一轮", "一輪", "轮融", "輪融", "天使轮", "战略轮"),
)
_LETTER_ROUND = re.compile(r"[A-Za-z]\+*\s?[轮輪]")
_HINTS_LATIN = (
    *("ipo", "raise", "fund", "invest", "valu", "round", "series", "stake", "backed", "secur", "debut", "listing"),
    *("bags", "lands", "nabs", "hauls"),
)
_LATIN = re.compile("[A-Za-z]")


def _funding_hint(text: str) -> bool:
    if any(w in text for w in _HINTS_CJK):
        return True
    if ("轮" in text or "輪" in text) and _LETTER_ROUND.search(text):
        return True  # "B轮", "Pre-A轮"
    if _LATIN.search(text) is None:
        return False
    lower = text.lower()
    return any(w in lower for w in _HINTS_LATIN)


_FUNDING_WORD = re.compile(
    r"融资|投资|领投|跟投|估值|轮|注资|入股|募|raise|fund|invest|valu|round|series|stake|backed", re.I
)
#: money before the company in a phrase that describes it ("获阿里领投6亿美元的AI公司MiniMax"): not this story's round
_DESCRIBES = re.compile(r"的[^,。;]{0,12}$|-backed[^,.;]{0,30}$", re.I)
#: a count of rounds ("已完成至少12轮融资", "第四轮融资") names no round
_ROUND_COUNT = re.compile(
    r"(?<![新一])(?:第\s?[\d一二三四五六七八九十]+|(?:至少|超过|已)?\s?(?:\d+|[二三四五六七八九十两]+|多|几|"
    r"数))\s?轮(?:融资)?"
)
_AND_ROUND = re.compile(
    r"轮[^,。;/]{0,6}(?:和|及|与|以及|、)[^,。;/]{0,6}轮|round[^.;/]{0,12}\band\b[^.;/]{0,20}round", re.I
)
_FUNDING_VERB = re.compile(
    r"\b(?:secures?|secured|raises|raised|closes|closed|lands|landed|bags|nabs|drums up|hauls)\b", re.I
)
_DAY = re.compile(r"(?:(\d{4})\s?年\s?)?(\d{1,2})\s?月\s?(\d{1,2})\s?日(?!\s?[前之])")
_EN_DAY = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s(\d{4}))?(?!\s?(?:\d|%))"
)
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_RELATIVE_DAY = re.compile(r"今日|今天|today|昨日|昨天|yesterday", re.I)


def extract_rounds(
    title: str, text: str = "", published_at: datetime | None = None, *, names: Registry | None = None
) -> list[FundingReport]:
    """Every company's round (or talks, or denial) that ``title`` and ``text`` report."""
    names = names or default()
    if not _funding_hint(title) and not _funding_hint(text):
        return []  # most news: no word a round, a valuation, a denial or an IPO is told with
    found: dict[str, _Company] = {}
    last: _Company | None = None
    for story in stories(title, text):
        # a section of an article ("## 融资金额及投资机构") that names no company goes on about the last one
        last = _read_story(story, names, found, last if story.head and not story.item else None)
    out: list[FundingReport] = []
    for company in found.values():
        out += _reports(company, published_at, names)
    return out


def extract_funding(
    title: str, text: str = "", published_at: datetime | None = None, *, names: Registry | None = None
) -> FundingReport:
    """The first round ``title`` and ``text`` report; raises ``NoFunding`` with the reason."""
    reports = extract_rounds(title, text, published_at, names=names)
    rounds = [r for r in reports if r.kind == "round" and r.status != "denied"]
    if rounds:
        return rounds[0]
    raise NoFunding(no_round_reason(reports, f"{title}\n{text}"))


def no_round_reason(reports: list[FundingReport], text: str = "") -> str:
    """Why an article gave no round: a denial, an IPO report, or nothing said to have raised."""
    for r in reports:
        if r.status == "denied" and figures.NOT_RAISED.search(text):
            return f"the article says {r.company_name} has not raised outside money"
        if r.status == "denied":
            return f"the article denies a round of {r.company_name}"
        if r.kind != "round":
            return f"the article is about an IPO of {r.company_name} ({r.kind.replace('_', ' ')}), not a round"
    return "no company is said to have raised money"


def _read_story(story: Story, names: Registry, found: dict[str, _Company], carry: _Company | None) -> _Company | None:
    """Reads one story into ``found``; returns the company it was last about."""
    current: _Company | None = None
    context = parties.ai_context(story.text)
    parts = [(s, True) for s in sentences(story.head)] + [(s, False) for s in sentences(story.body)]
    pending: list[tuple[str, bool]] = []  # sentences before the story names who raised ("已完成50亿元A轮融资？")
    read = [(sentence, in_head, _subjects(sentence, names, context)) for sentence, in_head in parts]
    if not any(subs for _, _, subs in read):
        # no sentence says who raised: the story's only company, if it names one ("MiniMax 新股东曝光…")
        mentioned = [n for sentence, _, _ in read for n in names.companies_in(sentence)]
        named = {n.id for n in mentioned if n.how != "founder"} or {n.id for n in mentioned}
        if not named and carry is not None and not any(parties.subjects(s, names) for s, _, _ in read):
            current = carry
        if len(named) == 1:
            cid = named.pop()
            first = next(n for n in mentioned if n.id == cid)
            shown = names.display.get(cid, first.name) if first.how in ("founder", "misspelled") else first.name
            current = found.setdefault(cid, _Company(cid, shown))
            current.sentences += [sentence for sentence, _, _ in read]
    for sentence, in_head, subs in read:
        if not subs:
            if current is not None:
                _read_segment(current, sentence, 0, len(sentence), in_head, named=False)
            else:
                pending.append((sentence, in_head))
            continue
        for i, sub in enumerate(subs):
            key = sub.id or names.company_id(sub.name) or slug(sub.name)
            shown = names.display.get(key, sub.name) if sub.how in ("founder", "misspelled") else sub.name
            company = found.setdefault(key, _Company(key, shown, new=not sub.id))
            end = subs[i + 1].start if i + 1 < len(subs) else len(sentence)
            start = 0 if i == 0 else sub.start
            if i == 0:
                for earlier, head in pending:
                    _read_segment(company, earlier, 0, len(earlier), head, named=False)
                pending = []
                company.investors += [
                    n for n in parties.prefix_investors(sentence[: sub.start]) if n not in company.investors
                ]
            company.sentences.append(sentence)
            money_from = sub.start
            if i == 0 and len(subs) == 1 and not _DESCRIBES.search(sentence[: sub.start]):
                money_from = 0  # "估值超200亿，百川智能完成50亿元A轮融资", "Alibaba leads $600M round for MiniMax"
            _read_segment(company, sentence, start, end, in_head, named=True, money_from=money_from)
            current = company
    return current


def _subjects(sentence: str, names: Registry, context: bool) -> list[Named]:
    """Who the sentence says raised; a sentence with no money and no word of funding says nobody did."""
    if not _funding_hint(sentence) and not find_money(sentence):
        return []
    return [s for s in parties.subjects(sentence, names) if s.how != "new" or context]


def _read_segment(
    company: _Company, sentence: str, start: int, end: int, in_head: bool, *, named: bool, money_from: int | None = None
) -> None:
    """Figures, rounds and investors of ``sentence[start:end]`` (figures only from ``money_from``)."""
    lo = start if money_from is None else money_from
    mentions = find_money(sentence)
    if not any(lo <= m.start < end for m in mentions) and not _funding_hint(sentence[start:end]):
        company.segments.append(sentence[start:end])  # nothing of a round here: kept as context only
        return
    spans = clauses(sentence)
    framed = _framed(sentence, spans, lo)
    previous: Mention | None = None
    previous_role: str | None = None
    kept = list(sentence[start:end])
    money_clauses = set()
    for m in mentions:
        if lo <= m.start < end:
            clause = next(((a, b) for a, b in spans if a <= m.start < b), (0, len(sentence)))
            role, basis = figures.role_of(m, sentence, clause, previous, previous_role)
            if clause in framed and role in ("amount", "valuation"):
                role = "background"  # "Its last round, in 2023, valued it at about $2 billion"
            previous_role = role
            company.figures.append(figures.Figure(m, role, basis, in_head))
            if role == "amount" and figures.ipo_money(sentence, clause):
                company.ipo_money = True
            if role in ("amount", "valuation"):
                money_clauses.add(clause)
        previous = m
    status_parts = []
    for a, b in spans:
        whole = sentence[a:b]
        if b <= start or a >= end:
            continue
        if (a, b) in framed or figures.background(whole):
            for i in range(max(a, start), min(b, end)):
                kept[i - start] = " "  # an older round's clause: its investors and round are not this one's
        elif (a, b) in money_clauses or figures.FUNDING_CLAUSE.search(whole):
            status_parts.append(whole)
    text = "".join(kept)
    company.segments.append(text)
    company.status_text.append(" ".join(status_parts))
    if named and _ROUND_PHRASE.search(_ROUND_COUNT.sub("", text)):
        company.raised = True
    rounds = figures.round_names(text)
    if rounds:
        company.rounds.append(rounds)
    company.leads += [n for n in parties.leads_in(text) if n not in company.leads]
    company.investors += [n for n in parties.investors_in(text) if n not in company.investors]
    if named or money_clauses:  # the day of the sentence that says who raised, or with the round's figures
        company.days += [d.group() for d in _DAY.finditer(text)]
        company.days += [d.group() for d in _EN_DAY.finditer(text)]


def _framed(sentence: str, spans: list[tuple[int, int]], lo: int) -> set[tuple[int, int]]:
    """The clauses about an older round. A sentence opening on one ("在…上一轮融资中，腾讯首次入局…",
    "Its last round, in 2023, valued it at…") stays on it until a clause turns back ("而本次…"); a clause in
    the middle ("founded six months ago") frames nothing after it."""
    out, frame = set(), False
    for a, b in spans:
        whole = sentence[a:b]
        frame = (figures.background(whole) and (a == 0 or frame)) or (
            frame and not figures.fresh(whole) and not (a <= lo < b)
        )
        if frame:
            out.add((a, b))
    return out


def _pick(company: _Company, role: str, not_value: Decimal | None = None) -> figures.Figure | None:
    chosen = [f for f in company.figures if f.role == role and (not_value is None or f.money.amount != not_value)]
    body = [f for f in chosen if not f.in_head]
    pool = [f for f in body if f.money.amount is not None] or [f for f in chosen if f.money.amount is not None]
    rest = body or chosen  # a vague figure ("数亿元"): its currency and qualifier, no amount
    return pool[0] if pool else (rest[0] if rest else None)


def _reports(company: _Company, published_at: datetime | None, names: Registry) -> list[FundingReport]:
    text = " ".join(company.segments)
    kind = figures.ipo_kind(text)
    if not (_FUNDING_WORD.search(text) or (company.sentences and _FUNDING_VERB.search(text))) and not kind:
        return []
    amount, valuation = _pick(company, "amount"), _pick(company, "valuation")
    if (
        amount
        and valuation
        and (amount.money.amount, amount.money.currency) == (valuation.money.amount, valuation.money.currency)
    ):
        amount = _pick(
            company, "amount", not_value=valuation.money.amount
        )  # "closes ~$50B round … at a ~$50B valuation"
    rounds = [r for group in company.rounds for r in group]
    status = figures.status_of(" ".join(company.status_text), text)
    if any(figures.denied(s) for s in company.sentences):
        status = "denied"
    report = FundingReport(company=company.key, company_name=company.name, status=status)
    quiet = amount is None and (valuation is None or not company.raised)
    if kind in ("ipo_filing", "ipo_listing", "ipo_plan") and not rounds and (company.ipo_money or quiet):
        report.kind = kind
        return [report]
    if status == "denied":
        return [report]  # what was denied is not a round: no figures
    if kind == "ipo_offering" and not [r for r in rounds if r != "pre-IPO"]:
        rounds, report.status = ["IPO"], "talks"
    if not (amount or valuation or rounds or company.raised):
        return []
    if amount is not None:
        m = amount.money
        report.amount, report.currency, report.amount_qualifier = m.amount, m.currency, m.qualifier
        report.amount_high = m.high
    elif kind == "ipo_offering":  # offering terms without the sum: the currency of the share price
        price = next((f for f in company.figures if f.role == "other" and f.money.currency), None)
        report.currency = price.money.currency if price else None
    if valuation is not None:
        report.valuation, report.valuation_currency = valuation.money.amount, valuation.money.currency
        report.valuation_qualifier, report.valuation_basis = valuation.money.qualifier, valuation.basis
    leads = [names.investor_id(n) for n in company.leads]
    report.lead_investors = [i for i in dict.fromkeys(leads) if i != company.key]
    others = [names.investor_id(n) for n in company.investors]
    report.investors = [i for i in dict.fromkeys(leads + others) if i != company.key]
    report.announced_on = _day(company.days, text, published_at)
    # "B+ 轮二期和 C 轮": two rounds in one announcement; "Pre-A轮/ Pre-A+轮" is one round named two ways
    first_group = next((g for g in company.rounds if g), [])
    several = len(first_group) > 1 and bool(_AND_ROUND.search(text))
    out = []
    for name in first_group if several else [rounds[0] if rounds else None]:
        one = FundingReport(**{**report.__dict__, "round": name})
        one.lead_investors, one.investors = list(report.lead_investors), list(report.investors)
        out.append(one)
    return out


def _day(days: list[str], text: str, published_at: datetime | None) -> date | None:
    """The day the text gives ("5月26日", "今日"), else the article's date (Beijing time for Chinese)."""
    base = _local_day(published_at, bool(re.search(r"[\u4e00-\u9fff]", text))) if published_at else None
    for raw in days:
        m, en = _DAY.search(raw), _EN_DAY.search(raw)
        if m is not None:
            written_year, month, dom = m.group(1), m.group(2), m.group(3)
        elif en is not None:
            written_year, month, dom = en.group(3), str(_MONTHS[en.group(1)]), en.group(2)
        else:
            continue
        year = int(written_year) if written_year else (base.year if base else None)
        if year is None:
            continue
        try:
            day = date(year, int(month), int(dom))
        except ValueError:
            continue
        if base and not written_year and day > base + timedelta(days=1):
            day = day.replace(year=year - 1)  # a month-day after the article is last year's
        return day
    rel = _RELATIVE_DAY.search(text)
    if base and rel and rel.group().lower() in ("昨日", "昨天", "yesterday"):
        return base - timedelta(days=1)
    return base


def _local_day(moment: datetime, chinese: bool) -> date:
    """The day as the outlet's readers saw it: Beijing time for Chinese text."""
    from pipeline.extract.dates import SHANGHAI

    if moment.tzinfo is None or not chinese:
        return moment.date()
    return moment.astimezone(SHANGHAI).date()
