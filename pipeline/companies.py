"""Who raised and who invested: canonical ids for companies and investors.

Companies are the providers of ``domain.md`` (``pipeline.providers``) plus
their founders' names, which headlines use in place of the company
("Kai-fu Lee's AI startup"). Investors are the names funding news uses.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from pipeline.providers import ALIASES

#: the startups whose rounds llmwatch tracks (big tech raise no rounds in this market)
STARTUPS = ("moonshot", "zhipu", "baichuan", "01ai", "minimax", "stepfun", "deepseek")

#: how a company is named when the text names it only by its founder
DISPLAY = {
    "moonshot": "Moonshot AI",
    "zhipu": "Zhipu AI",
    "baichuan": "Baichuan",
    "01ai": "01.AI",
    "minimax": "MiniMax",
    "stepfun": "StepFun",
    "deepseek": "DeepSeek",
}

FOUNDERS: dict[str, tuple[str, ...]] = {
    "01ai": ("李开复", "Kai-fu Lee", "Kai-Fu Lee", "Lee Kai-Fu", "Lee Kai-fu"),
    "baichuan": ("王小川", "Wang Xiaochuan"),
    "moonshot": ("杨植麟", "Yang Zhilin"),
    "minimax": ("闫俊杰", "Yan Junjie"),
    "zhipu": ("张鹏", "Zhang Peng"),
    "deepseek": ("梁文锋", "Liang Wenfeng"),
}

COMPANY_EXTRA: dict[str, tuple[str, ...]] = {
    "01ai": ("01.AI", "01 AI", "0.1AI", "01AI", "零一万物"),
    "baichuan": ("Baichuan Intelligent", "百川智能"),
    "zhipu": ("Zhipu AI", "智谱AI", "智谱华章"),
    "moonshot": ("Moonshot AI", "月之暗面"),
}

INVESTORS: dict[str, tuple[str, ...]] = {
    "alibaba": ("Alibaba", "阿里巴巴", "阿里云", "Alibaba Cloud", "阿里"),
    "tencent": ("Tencent", "腾讯"),
    "xiaomi": ("Xiaomi", "小米"),
    "meituan": ("Meituan", "美团"),
    "xiaohongshu": ("Xiaohongshu", "小红书", "RedNote"),
    "hongshan": ("HongShan", "红杉中国", "Sequoia China", "Sequoia Capital China", "红杉"),
    "gaorong": ("Gaorong", "高榕", "高榕资本"),
    "monolith": ("Monolith", "砺思", "砺思资本"),
    "prosperity7": ("Prosperity7", "Prosperity 7"),
    "ssf": ("社保基金", "National Social Security Fund", "全国社保基金"),
    "zgc-fund": ("中关村自主创新基金", "Zhongguancun Independent Innovation Fund"),
    "hillhouse": ("Hillhouse", "高瓴"),
    "qiming": ("Qiming", "启明创投"),
    "sinovation": ("Sinovation", "创新工场"),
    "baidu": ("Baidu", "百度"),
    "bytedance": ("ByteDance", "字节跳动"),
}


class _Names(NamedTuple):
    """A name list as one pattern (word edges for Latin names), and the names lowercased for a
    substring test that runs first (fast; the pattern runs only where a name is there)."""

    pattern: re.Pattern[str]
    lowered: tuple[str, ...]


def _pattern(names: tuple[str, ...]) -> _Names:
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        parts.append(escaped if not name.isascii() else rf"(?<![A-Za-z0-9.]){escaped}(?![A-Za-z])")
    return _Names(re.compile("|".join(parts), re.I), tuple(n.lower() for n in names))


@cache
def _company_patterns() -> dict[str, _Names]:
    out = {}
    for cid in STARTUPS:
        names = (*ALIASES.get(cid, ()), *COMPANY_EXTRA.get(cid, ()), *FOUNDERS.get(cid, ()))
        out[cid] = _pattern(tuple(n for n in names if n not in ("GLM", "zai", "Kimi", "Yi系列")))
    return out


@cache
def _investor_patterns() -> dict[str, _Names]:
    return {iid: _pattern(names) for iid, names in INVESTORS.items()}


def companies_in(text: str) -> list[tuple[int, str, str]]:
    """(position, id, name as written) of every tracked startup named in ``text``."""
    return _named(text, _company_patterns())


def investors_in(text: str) -> list[tuple[int, str, str]]:
    return _named(text, _investor_patterns())


def _named(text: str, known: dict[str, _Names]) -> list[tuple[int, str, str]]:
    lower = text.lower()
    found = []
    for key, names in known.items():
        if any(name in lower for name in names.lowered):
            found += [(m.start(), key, m.group()) for m in names.pattern.finditer(text)]
    return sorted(found)
