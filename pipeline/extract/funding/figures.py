"""What a figure in a funding story is, and what the story says of the round.

A figure is the round's amount, its valuation (``valuation_basis`` pre or
post), a conversion of the figure before it (the original is kept), or not the
round at all: a cumulative total, an older round mentioned in passing, cash on
hand, revenue, a market value, an acquisition price, a registered-capital
subscription. Status is closed, talks (in talks, 拟, 洽谈, 据悉正在) or denied
(否认, "denied"); an IPO is an offering (a round), a filing or a listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.funding.text import clauses
from pipeline.extract.money import Mention

_CONVERSION = re.compile(
    r"[(（]\s?(?:约合?|合|折合|相当于|即|about|approx\.?|approximately|around|or|roughly|some|~)?\s?$", re.I
)
_CONVERSION_WORDS = re.compile(r"(?:折合|约合|相当于|换算|equivalent to|roughly equal to)[^,。;]{0,10}$", re.I)
_VALUATION_BEFORE = re.compile(
    r"估值[^,。;\d$]{0,6}$|valuation[^,.;$\d]{0,30}\s$|"
    r"(?:估值|valuation of|valuation to|valuation at|valuation|valued (?:it |the company |them )?at|valuing (?:it|"
    r"the company|\w+) at|"
    r"values? (?:it|them|the company|the startup) at|worth|价值)\s?(?:已|将|或|可能|有望|正式)?\s?"
    r"(?:达到|达|为|是|至|上升至|升至|提升至|突破|破|超过|超|逾|近|约|约为|高达|接近|to|of|at|more than|over|about|"
    r"nearly|"
    r"around|above|exceeding|roughly|some|almost|as much as|up to|at least|\s)*$",
    re.I,
)
_VALUATION_AFTER = re.compile(
    r"^\+?\s?(?:的|de)?\s?(?:投后|投前)?(?:估值|valuation|pre-money|post-money)"
    # "a US$2.5 billion AI startup", "百亿美元独角兽": the company's worth, not money raised
    r"|^\s?(?:AI |tech |Chinese )?(?:start-?up|company|firm|unicorn|decacorn)\b|^\s?的?(?:AI)?(?:独角兽|公司)",
    re.I,
)
_AT_VALUATION = re.compile(r"(?:at|以)\s?(?:a|an)?\s?(?:~|about|around|over|more than|nearly)?\s?$", re.I)
_PRE = re.compile(r"投前|pre-money", re.I)
_POST = re.compile(r"投后|融后|post-(?:money|listing|IPO|deal)", re.I)
_CUMULATIVE = re.compile(
    r"累计|累积|总计|共计|合计|总共|一共|至此|迄今|to date|in total|total(?:ing)? (?:of )?|totall?ed|"
    r"cumulative|altogether|so far|bringing (?:its |the )?total|has raised a total|raised a total",
    re.I,
)
_ROUND_SCOPED = re.compile(r"(?:[A-Fa-f]\+*|天使\+*|Pre-?[A-Z]\+*|战略)\s?轮(?:融资)?(?:规模|金额)?\s?累计")
_NOT_FUNDING = re.compile(
    r"收入|营收|营业|利润|亏损|账上|现金|在手|ARR|revenue|sales|profit|loss|cash|市值|market (?:cap|value)|"
    r"销量|订单|出货|股价|成交|卖身|收购|并购|acquisition|acquire|acquired|buyout|buy (?:it|the company)|"
    r"出资\s?$|注册资本|认缴|基金规模|规模的基金|fund of|算力投入|capex|补贴|订阅|裁员|市场规模|"
    r"用户|调用量|参数|tokens?|定价|每股|per share|发行价|(?:share|offer) price",
    re.I,
)
_NOT_FUNDING_AFTER = re.compile(
    r"^\s?(?:的)?(?:收入|营收|ARR|现金|市值|用户|收购|(?:in |of )?(?:annual |yearly )?(?:recurring )?(?:revenue|sales|"
    r"ARR)|market value)",
    re.I,
)
_BACKGROUND = re.compile(
    r"此前|之前|早前|先前|上一轮|上轮|前一轮|曾获|曾完成|曾以|去年|前年|年初时|两个月前|个月前|年前|叠加|加上此前|相比|"
    r"早期|最初|资料显示|历史上|多轮|此后|后来|曾经|曾|"
    r"previously|earlier|last (?:year|round)|prior|previous|before that|in 20\d\d|a year ago|months ago|followed|"
    r"\d{4}年(?:年底|年初|[一二三四]季度|\d+月)?(?:完成|获得|获)|从$",
    re.I,
)
_ACQUISITION = re.compile(r"收购|卖身|并购|acquisition|acquire[sd]?\b|buyout|takeover|to buy\b", re.I)
_OLD_VALUE = re.compile(r"(?:从|由|from)\s?$", re.I)
_AFTER_CLAUSE = re.compile(r"后$")
#: a clause that speaks of the round (its status words count; "正在成为稀缺资产" elsewhere does not)
FUNDING_CLAUSE = re.compile(
    r"融资|投资|领投|跟投|估值|轮|注资|入股|募|交割|raise|raising|funding|round|invest|valu|stake|talks", re.I
)
NOT_RAISED = re.compile(
    r"(?:has not|hasn't|have not|did not|didn't|never) (?:raised|taken|accepted|took)|"
    r"no outside (?:money|funding|capital|investors?)"
    r"|未(?:进行|接受)(?:过)?(?:任何)?外部融资|尚未(?:进行)?(?:任何)?(?:外部)?融资|没有(?:任何)?(?:外部)?融资|不融资",
    re.I,
)
#: a denial: the company has raised no outside money (NOT_RAISED), or the report is called untrue
_DENIED = re.compile(
    NOT_RAISED.pattern
    + r"|否认|辟谣|谣言|不实|并未|未融资|denied|denies|deny|refuted|rumou?rs? (?:is|are) false|not true",
    re.I,
)
_CONFIRMED = re.compile(
    r"属实|确认|证实|官宣|宣布完成|正式宣布|基本完成|落定|到账|完成交割了|confirmed|has completed|have completed", re.I
)
_TALKS = re.compile(
    r"洽谈|商谈|谈判|磋商|拟|寻求|筹划|计划|将完成|即将|有望|接近完成|正在|正敲定|据悉正在|传出|或将|预计|准备|"
    r"不予置评|未予置评|进行融资|进行新一轮融资|declined to comment|\?|？|in talks|talks to|is raising|are raising|"
    r"\braising\b|is leading|"
    r"plans to|planning to|seeks|seeking|looking to|aims to|"
    r"in discussions|close to completing|nearing|set to|will raise|would value|could value|to raise|is finalizing|"
    r"is finalising|considering|exploring|reportedly in",
    re.I,
)
_DONE = re.compile(r"已完成|完成了|宣布完成|has completed|completed|closed|secured|raised|raises|获得|获", re.I)
_IPO_HINTS = ("ipo", "上市", "listing", "首次公开募股", "港股", "a股", "科创板", "debut")
_IPO_FILING = re.compile(
    r"招股书|递表|递交|上市申请|辅导|受理|聆讯|prospectus|"
    r"(?:files?|filed) (?:confidentially )?for (?:an? )?(?:[\w-]+ ){0,3}(?:IPO|listing)"
    r"|IPO filing|IPO application",
    re.I,
)
_IPO_LISTING = re.compile(r"上市首日|挂牌|敲钟|首日|debut|debuts|began trading|begins trading|listed on|市值", re.I)
_IPO_OFFER = re.compile(
    r"发行|招股(?!书)|share sale|offering|IPO to raise|定价|募资|"
    r"raise [^.]{0,40} (?:in|through) (?:its|an|the) (?:IPO|listing)",
    re.I,
)
_IPO = re.compile(
    r"(?<![-\w])IPO\b|上市|listing|首次公开募股|港股|A股|科创板|"
    r"(?:trading|market|stock|exchange|Hong Kong|Nasdaq|STAR Market) debut",
    re.I,
)
_ROUNDS = (
    (re.compile(r"pre-?IPO", re.I), "pre-IPO"),
    (re.compile(r"天使\s?\+\s?轮|angel\+", re.I), "angel+"),
    (re.compile(r"pre-?A\+\s?轮|series pre-?A\+", re.I), "pre-A+"),
    (re.compile(r"pre-?A\s?轮|pre-?A round|series pre-?A", re.I), "pre-A"),
    (re.compile(r"pre-?B\s?轮|pre-?B round", re.I), "pre-B"),
    (re.compile(r"天使轮|angel round|angel funding", re.I), "angel"),
    (re.compile(r"种子轮|seed round|seed funding", re.I), "seed"),
    (
        re.compile(
            r"战略轮|战略投资(?![人者方机])|战略融资|策略轮|strategic (?:round|funding round|financing round)", re.I
        ),
        "strategic",
    ),
)
#: "B轮", "Series B", "B round" (a capital letter: "in a round" names none)
_LETTER_ROUND = re.compile(
    r"(?<![A-Za-z0-9$.-])([A-F]\+*)\d?\s?轮|(?i:series) ([A-F]\+*)(?![A-Za-z])|"
    r"(?<![A-Za-z0-9$.~-])([A-F]\+*)[ -](?i:round)"
)


_ROUND_HINT = re.compile(r"轮|round|series|seed|angel|ipo|战略投资|战略融资", re.I)


@dataclass
class Figure:
    money: Mention
    #: amount, valuation, conversion, cumulative, background, other
    role: str
    basis: str | None = None
    in_head: bool = False


def role_of(
    m: Mention, sentence: str, clause: tuple[int, int], previous: Mention | None, previous_role: str | None = None
) -> tuple[str, str | None]:
    """The role of money mention ``m`` (positions relative to ``sentence``)."""
    a, b = clause
    if not m.scaled and (m.amount is None or m.amount < 10_000):
        return "other", None  # "$1." where the text was cut off: no round is this small
    rising = r"\s?(?:飙升|上升|升|提升|增长|涨|跃升)?(?:至|到)\s?|\s?(?:to|and then)\s"
    if (
        previous is not None
        and previous_role in ("valuation", "old valuation")
        and previous.start >= a
        and re.fullmatch(rising, sentence[previous.end : m.start])
    ):
        return "valuation", None  # "估值从43亿美元飙升至100亿美元"
    before = sentence[max(a, m.start - 40) : m.start]
    near_before = sentence[max(a, m.start - 14) : m.start]
    after = sentence[m.end : min(b, m.end + 14)]
    whole = sentence[a:b]
    if previous is not None and (
        _CONVERSION.search(sentence[previous.end : m.start]) or _CONVERSION_WORDS.search(near_before)
    ):
        return "conversion", None
    if _CONVERSION.search(sentence[max(0, m.start - 8) : m.start]) and previous is not None:
        return "conversion", None
    valuation = bool(_VALUATION_BEFORE.search(before) or _VALUATION_AFTER.search(after))
    if _OLD_VALUE.search(sentence[max(0, m.start - 3) : m.start]):
        return ("old valuation" if valuation else "background"), None  # "从43亿美元…至": the old value
    if (
        not valuation
        and _AT_VALUATION.search(near_before)
        and re.match(r"^\+?\s?(?:\S{0,3}\s)?valuation", sentence[m.end : m.end + 20], re.I)
    ):
        valuation = True
    basis = None
    if valuation:
        basis = _basis(sentence[a : m.start], after)
    if _BACKGROUND.search(whole) or _AFTER_CLAUSE.search(whole.strip()):
        return "background", basis
    if not valuation and _ACQUISITION.search(sentence[max(0, m.start - 200) : m.start] + after):
        return "other", None
    if valuation and _ACQUISITION.search(sentence[a : m.start]):
        return "other", None  # "the acquisition is valued at over $2 billion"
    if not valuation and (
        _NOT_FUNDING.search(before[-16:]) or _NOT_FUNDING_AFTER.search(sentence[m.end : min(b, m.end + 32)])
    ):
        return "other", None
    if _CUMULATIVE.search(whole) and not _ROUND_SCOPED.search(whole):
        return "cumulative", None
    return ("valuation" if valuation else "amount"), basis


def _basis(before: str, after: str) -> str | None:
    """pre or post, from the nearest 投前/投后 (pre-/post-money) before the figure in its clause, else just after it."""
    marks = [(m.end(), "pre") for m in _PRE.finditer(before)] + [(m.end(), "post") for m in _POST.finditer(before)]
    if marks:
        return max(marks)[1]
    return "post" if _POST.match(after.strip()) else "pre" if _PRE.match(after.strip()) else None


def round_names(text: str) -> list[str]:
    """Every round named in ``text``, in order ("B+ 轮二期和 C 轮" -> [B+, C])."""
    if not _ROUND_HINT.search(text):
        return []
    found: list[tuple[int, str]] = []
    for rx, name in _ROUNDS:
        found += [(m.start(), name) for m in rx.finditer(text)]
    taken = [p for p, _ in found]
    for m in _LETTER_ROUND.finditer(text):
        if any(abs(m.start() - p) < 4 for p in taken):
            continue
        letter = next(g for g in m.groups() if g)
        found.append((m.start(), letter.upper()))
    names = [n for _, n in sorted(found)]
    return list(dict.fromkeys(names))


_CONDITIONAL = re.compile(r"(?:若|如果|如|倘若|假如|if|whether)[^,。;]{0,30}$", re.I)


def confirmed(text: str) -> bool:
    """The text confirms the round ("知情人士：属实", "基本完成"); "若…属实" does not."""
    return any(not _CONDITIONAL.search(text[: m.start()]) for m in _CONFIRMED.finditer(text))


def status_of(text: str, context: str = "") -> str:
    """closed, talks or denied, from the clauses about the round (``context``: the rest, for a confirmation)."""
    if _DENIED.search(text):
        return "denied"
    if _TALKS.search(text) and not confirmed(f"{text} {context}"):
        return "talks"
    return "closed"


def ipo_kind(text: str) -> str | None:
    """``ipo_offering`` (a round), ``ipo_filing`` or ``ipo_listing`` where the story is about an IPO."""
    lower = text.lower()
    if not any(w in lower for w in _IPO_HINTS) or not _IPO.search(text):
        return None
    if _IPO_OFFER.search(text) and not re.search(r"认购", text):
        return "ipo_offering"
    if _IPO_LISTING.search(text):
        return "ipo_listing"
    if _IPO_FILING.search(text):
        return "ipo_filing"
    return "ipo_plan"


def background(clause: str) -> bool:
    """A clause about an older round ("此前…", "获杭州10亿元投资后", "in 2023, …")."""
    return bool(_BACKGROUND.search(clause) or _AFTER_CLAUSE.search(clause.strip()))


#: a clause that turns back to this round after an older one ("而本次京东入局", "今年春节期间又完成")
_FRESH = re.compile(r"^\s?(?:而|但|不过)|本轮|本次|此次|这次|今年|又|再|新一轮|this round|\bnow\b|\bnew\b", re.I)


def fresh(clause: str) -> bool:
    return bool(_FRESH.search(clause))


def denied(sentence: str) -> bool:
    return bool(_DENIED.search(sentence)) and not confirmed(sentence)


def ipo_money(sentence: str, clause: tuple[int, int]) -> bool:
    """The figure's clause, or the clause before it, is about an IPO ("IPO申请获受理，拟融资金额…")."""
    spans = clauses(sentence)
    i = spans.index(clause) if clause in spans else 0
    near = sentence[spans[i - 1][0] if i > 0 else clause[0] : clause[1]]
    return bool(_IPO.search(near) and not re.search(r"冲刺|加速|推进|筹备|计划|预计|目标|aims|plans", near))
