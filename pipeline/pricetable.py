"""The generic price-table parser: columns found by what their headers mean.

A table qualifies when one header means *model* (or *billing item*) and at
least one means a price component (输入/Input, 输出/Output, 缓存命中/Cache hit,
单价...). Models may also run across the header row (DeepSeek's transposed
table). Sources add only what is special to them through ``TableDefaults``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.collect import Collector
from pipeline.providers import normalise_model, provider_from_model, provider_from_text
from pipeline.tables import Table
from pipeline.units import PriceError, clean, parse_price, unit_hint


@dataclass(frozen=True)
class TableDefaults:
    """What the page (not the cell) says: provider, currency, token unit."""

    provider: str | None = None
    currency: str | None = None
    per_tokens: int | None = None


_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 缓存存储 is billed per 1M tokens per hour: storage, not a token price
    ("ignore", re.compile(r"资源点|rpm|tpm|参数|备注|note|接口说明|^api$|base url|说明|功能|缓存存储|storage", re.I)),
    # "单次请求的输入Token数", "输入长度": the tier a price applies to, not an input price
    ("condition", re.compile(r"范围|range|档位|tier|区间|条件|token\s*数|输入长度|tokens? per request", re.I)),
    ("context", re.compile(r"上下文|context|窗口", re.I)),
    ("unit", re.compile(r"^(计费单位|单位|unit|billing unit)$", re.I)),
    ("vendor", re.compile(r"厂商|provider|vendor|公司", re.I)),
    ("item", re.compile(r"计费项|billing item", re.I)),
    ("input_cache_write", re.compile(r"缓存写入|cache[ -]?write|caching write|cache creation", re.I)),
    ("input_cache_hit", re.compile(r"缓存命中|缓存读取|cache[ -]?hit|cache[ -]?read|caching read|cached input", re.I)),
    ("input", re.compile(r"缓存未命中|cache[ -]?miss|输入|input|prompt", re.I)),
    ("output", re.compile(r"输出|output|completion", re.I)),
    ("price", re.compile(r"^(单价|价格|price|单价.*|pricing)$", re.I)),
    ("model", re.compile(r"模型|model|名称|name|产品名", re.I)),
)
_PRICE_ROLES = {"input", "output", "input_cache_hit", "input_cache_write", "price"}


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
    if role in _PRICE_ROLES - {"price"} or role == "output_thinking":
        return role
    return None


_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*([kKmM])?"


def normalise_condition(text: str) -> str | None:
    """Context tiers as ``context<=32K`` or ``32K<context<=128K``; a second bound on
    the output (``且输出长度 (0.2,+∞)``) adds ``, output>200``; other text compacted."""
    cleaned = clean(text)
    if not cleaned or cleaned in {"-", "—", "/", "无"}:
        return None
    parts = [p for p in re.split(r"\s*(?:且|并且|and|&)\s*", cleaned) if p.strip()]
    tiers = [_tier(p, "output" if re.search(r"输出|output", p, re.I) else "context") for p in parts]
    if all(tiers):
        return ", ".join(t for t in tiers if t)
    return re.sub(r"\s+", " ", cleaned).lower()


def _tier(text: str, subject: str) -> str | None:
    nums = [(_tokens(n, s)) for n, s in re.findall(_NUM, text)]
    ranged = re.search(r"\d\s*[kKmM]?\s*[-~～]\s*\d", text)
    if not nums or not (ranged or re.search(r"token|长度|上下文|context|输入|输出|[≤<>(\[\]]", text, re.I)):
        return None
    if re.search(r"∞|inf", text, re.I):  # (0.2,+∞): only the lower bound is real
        return f"{subject}>{_k(nums[0])}"
    if len(nums) >= 2:
        lo, hi = nums[0], nums[1]
        return f"{subject}<={_k(hi)}" if lo == 0 else f"{_k(lo)}<{subject}<={_k(hi)}"
    if re.search(r"[>]|以上|above|over", text) and not re.search(r"[≤<]", text):
        return f"{subject}>{_k(nums[0])}"
    return f"{subject}<={_k(nums[0])}"


def _tokens(number: str, suffix: str) -> int:
    value = float(number.replace(",", ""))  # 0.2 (thousand tokens) is 200
    factor = {"k": 1000, "m": 1_000_000}.get(suffix.lower(), 1) if suffix else 1
    if factor == 1 and value < 10_000 and "," not in number:
        factor = 1000  # "(128, 256]" on tier tables means thousands of tokens
    return int(value * factor)


def _k(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    # decimal thousands first: 256000 is "256K" (not 250 x 1024); 32768 is 32K
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}K"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024}K"
    return str(n)


def parse_tables(tables: Iterable[Table], defaults: TableDefaults, out: Collector) -> int:
    """Feed every price table's rows to ``out``; returns how many tables qualified."""
    found = 0
    for table in tables:
        if _parse_regular(table, defaults, out) or _parse_transposed(table, defaults, out):
            found += 1
    return found


def _header_index(table: Table) -> int | None:
    """The first of the top rows whose cells name a model and a price."""
    for index, header in enumerate(table.rows[:3]):
        roles = [header_role(cell) for cell in header]
        has_key = "model" in roles or "item" in roles
        priced = [r for r in roles if r in _PRICE_ROLES or r == "output_thinking"]
        if has_key and priced and ("price" not in roles or "item" in roles):
            return index
    return None


def _parse_regular(table: Table, defaults: TableDefaults, out: Collector) -> bool:
    h = _header_index(table)
    if h is None:
        return False
    header = table.rows[h]
    body = table.rows[h + 1 :]
    if body and _subheader(header, body[0]):
        # 输出成本 over 非思考模式 | 思考模式: each column is named by both rows
        header = [top if top == sub else f"{top} {sub}" for top, sub in zip(header, body[0], strict=False)]
        body = body[1:]
    roles = [header_role(cell) for cell in header]
    hints = [unit_hint(cell) for cell in header]
    previous: list[str] = []
    for cells in body:
        row = cells
        if len(row) < len(header) and previous:
            # a Markdown rendering dropped the rowspan cells at the left
            row = previous[: len(header) - len(row)] + row
        previous = row
        if not any(cell.strip() for cell in row) or row == header:
            continue
        _regular_row(roles, hints, dict(enumerate(row)), defaults, out)
    return True


def _subheader(header: list[str], row: list[str]) -> bool:
    """A second header row: the model cell spans both rows, and no cell holds a number."""
    key = next((i for i, cell in enumerate(header) if header_role(cell) in ("model", "item")), None)
    if key is None or len(row) != len(header) or row[key] != header[key] or row == header:
        return False
    return not any(re.search(r"\d|免费|free", cell, re.I) for cell, top in zip(row, header, strict=True) if cell != top)


def _regular_row(
    roles: list[str | None],
    hints: list[tuple[str | None, int | None]],
    cells: dict[int, str],
    defaults: TableDefaults,
    out: Collector,
) -> None:
    get = {role: cells.get(i, "") for i, role in reversed(list(enumerate(roles)))}
    item = get.get("item", "")
    model_text = item if item and "model" not in roles else get.get("model", "")
    if item:
        model_text = item
    model = normalise_model(model_text)
    if not model:
        return
    provider = (
        (provider_from_text(get.get("vendor", "")) if get.get("vendor") else None)
        or defaults.provider
        or provider_from_model(model)
        or provider_from_text(model_text)
    )
    condition = normalise_condition(get["condition"]) if get.get("condition") else None
    unit_currency, unit_per = unit_hint(get.get("unit", ""))
    for i, role in enumerate(roles):
        if role not in _PRICE_ROLES and role != "output_thinking":
            continue
        text = cells.get(i, "").strip()
        if not text or text in {"-", "—", "/"}:
            continue
        component = component_of(item) if role == "price" else role
        if component is None:
            out.reject(f"cannot tell input from output in billing item {item!r}", item)
            continue
        head_currency, head_per = hints[i]
        try:
            price = parse_price(
                text,
                currency=head_currency or unit_currency or defaults.currency,
                per_tokens=unit_per or head_per or defaults.per_tokens,
            )
        except PriceError as exc:
            out.reject(f"{model} {component}: {exc}", text)
            continue
        out.add(provider, model, component, condition, price)


_PRICE_LABEL = re.compile(r"token|价格|pricing|price", re.I)


def _parse_transposed(table: Table, defaults: TableDefaults, out: Collector) -> bool:
    """Models across the header row, one price component per row."""
    if not table.rows or header_role(table.rows[0][0]) != "model":
        return False
    header = table.rows[0]
    models = [(i, normalise_model(c)) for i, c in enumerate(header) if header_role(c) is None and c.strip()]
    if not models:
        return False
    for row in table.rows[1:]:
        labels = " ".join(c for c in row if not _looks_priced(c))
        if not _PRICE_LABEL.search(labels):
            continue
        component = component_of(labels)
        values = [c for c in row if _looks_priced(c)]
        if component is None or not values:
            continue
        _, label_per = unit_hint(labels)
        if len(row) == len(header) and all(_looks_priced(row[i]) for i, _ in models):
            pairs = [(m, row[i]) for i, m in models]
        elif len(values) == len(models):
            pairs = list(zip((m for _, m in models), values, strict=True))
        elif len(values) == 1:
            pairs = [(m, values[0]) for _, m in models]  # one cell spanning every model
        else:
            out.reject(f"{len(values)} prices for {len(models)} models in row {row!r}", " | ".join(row))
            continue
        for model, text in pairs:
            try:
                price = parse_price(text, currency=defaults.currency, per_tokens=label_per or defaults.per_tokens)
            except PriceError as exc:
                out.reject(f"{model} {component}: {exc}", text)
                continue
            provider = defaults.provider or provider_from_model(model)
            out.add(provider, model, component, None, price)
    return True


def _looks_priced(cell: str) -> bool:
    text = clean(cell)
    return bool(re.fullmatch(r"[$¥]?\s*\d[\d,]*(\.\d+)?\s*(元|USD|CNY)?|免费|free", text, re.I))
