"""What a price table's header cells mean (by their words, never by their position),
and the shapes a header takes: two rows (输出成本 over 非思考模式 | 思考模式), a row of
units under it, a second row whose spanned cells a Markdown converter dropped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pipeline.extract.tables import Table
from pipeline.extract.units import clean

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 缓存存储 is billed per 1M tokens per hour: storage, not a token price
    # 免费额度: a free quota of tokens, not a price
    (
        "ignore",
        re.compile(
            r"资源点|rpm|tpm|参数|备注|note|接口说明|^api$|base url|说明|功能|缓存存储|storage|额度|quota", re.I
        ),
    ),
    # a Batch column ("Batch API 定价"), not a price column that explains its brackets ("单价（括号内为 Batch 价）")
    ("batch", re.compile(r"^(?!单价|价格|price|pricing|刊例价|定价).*(batch|批量|离线)", re.I)),
    ("mode", re.compile(r"^(模式|思考模式|mode|thinking mode)$", re.I)),
    # "单次请求的输入Token数", "输入长度": the tier a price applies to, not an input price
    ("condition", re.compile(r"范围|range|档位|tier|区间|条件|token\s*数|输入长度|tokens? per request", re.I)),
    # 最大输入 / 最大输出 / 最长思维链: token limits, not prices
    ("context", re.compile(r"上下文|context|窗口|最大|最长|max(imum)?\s*(input|output|tokens)", re.I)),
    ("unit", re.compile(r"^(计费单位|单位|unit|billing unit)$", re.I)),
    ("vendor", re.compile(r"厂商|provider|vendor|公司", re.I)),
    ("item", re.compile(r"计费项|billing item", re.I)),
    ("input_cache_write", re.compile(r"缓存写入|cache[ -]?write|caching write|cache creation", re.I)),
    ("input_cache_hit", re.compile(r"缓存命中|缓存读取|cache[ -]?hit|cache[ -]?read|caching read|cached input", re.I)),
    ("input", re.compile(r"缓存未命中|cache[ -]?miss|输入|input|prompt", re.I)),
    ("output", re.compile(r"输出|output|completion", re.I)),
    ("price", re.compile(r"^(单价|价格|price|pricing|刊例价|定价|售价|官网价|list price)|^单价", re.I)),
    ("model", re.compile(r"模型|model|名称|name|产品名", re.I)),
)


PRICE_ROLES = {"input", "output", "input_cache_hit", "input_cache_write", "price", "batch"}


@lru_cache(maxsize=1024)  # every table of a source has the same few headers
def header_role(text: str) -> str | None:
    """What a header cell means, by its words (never by its position)."""
    head = clean(text)
    for role, pattern in _RULES:
        if pattern.search(head):
            if role == "output" and re.search(r"思考|thinking|reasoning", head, re.I) and "非思考" not in head:
                return "output_thinking"
            return role
    return None


def component_of(text: str) -> str | None:
    """The price component a label names (``百万tokens输入（缓存命中）`` -> input_cache_hit)."""
    role = header_role(text)
    if role in PRICE_ROLES - {"price", "batch"} or role == "output_thinking":
        return role
    return None


def priced(role: str | None) -> bool:
    return role in PRICE_ROLES or role == "output_thinking"


def header_index(table: Table) -> int | None:
    """The first of the top rows whose cells name a model and a price."""
    for index, header in enumerate(table.rows[:3]):
        roles = [header_role(cell) for cell in header]
        if ("model" in roles or "item" in roles) and any(priced(r) for r in roles):
            return index
    return None


def column_conditions(header: list[str], subs: list[str], roles: list[str | None]) -> list[str | None]:
    """Columns of one component told apart by their headers (输入单价 over 文本 | 音频 | 图片):
    the words that differ are the column's condition."""
    out: list[str | None] = [None] * len(header)
    for i, role in enumerate(roles):
        if not priced(role) or role in ("price", "batch") or roles.count(role) < 2:
            continue
        words = subs[i] or header[i]
        out[i] = re.sub(r"\s+", " ", clean(words)).lower() or None
    return out


def unit_row(cells: Sequence[str], roles: Sequence[str | None]) -> bool:
    return 0 < len(cells) < len(roles) and all(re.fullmatch(r"[（(][^）)]*[）)]", clean(c)) for c in cells if c.strip())


def subheader(header: list[str], row: list[str]) -> bool:
    """A second header row: the model cell spans both rows (or is drawn empty), and no cell holds a number."""
    key = next((i for i, cell in enumerate(header) if header_role(cell) in ("model", "item")), None)
    if key is None or len(row) != len(header) or row[key] not in ("", header[key]) or row == header:
        return False
    words = [cell for cell, top in zip(row, header, strict=True) if cell and cell != top]
    return bool(words) and not any(re.search(r"\d|免费|free", cell, re.I) for cell in words)


def spread_subheader(header: list[str], body: list[list[str]]) -> tuple[list[str], list[str]] | None:
    """A short second header row (非思考模式 | 思考模式, no numbers) whose rowspan cells a Markdown
    converter dropped: its words go under the header cell they split, the one followed by cells
    drawn empty (markdownify) or, when the body is wider than the header, the output column the
    words name a mode of (html2text draws the spanning cell once)."""
    words = body[0]
    if len(words) < 2 or any(not w.strip() or re.search(r"\d", w) for w in words) or unit_row(words, header):
        return None  # (a row of units under the headers, （Token数） | （每百万Token）, is not a split)
    k = len(words)
    gap = next((j for j in range(len(header) - k + 1) if header[j] and not any(header[j + 1 : j + k])), None)
    width = max((len(r) for r in body[1:]), default=0)
    if gap is None and width == len(header) + k - 1 and any(re.search(r"思考|thinking", w, re.I) for w in words):
        gap = next((j for j, cell in enumerate(header) if header_role(cell) == "output"), None)
        if gap is not None:
            header = [*header[: gap + 1], *[""] * (k - 1), *header[gap + 1 :]]
    if gap is None:
        return None
    sub = [""] * len(header)
    sub[gap : gap + k] = words
    return header, [below if below else top for top, below in zip(header, sub, strict=True)]


def two_row_header(header: list[str], sub: list[str]) -> tuple[list[str], list[str]]:
    """Each column named by both rows; a top cell drawn empty beside a spanning one (a colspan a
    converter wrote as an empty cell) is that cell's, where the row below names the column."""
    tops, left = [], ""
    for top, below in zip(header, sub, strict=True):
        left = top or left
        tops.append(top or (left if below else ""))
    subs = ["" if not below or below == top else below for top, below in zip(tops, sub, strict=True)]
    return [f"{top} {below}" if below else top for top, below in zip(tops, subs, strict=True)], subs
