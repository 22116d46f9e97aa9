"""The generic price-table parser: columns found by what their headers mean.

A table qualifies when one header means *model* (or *billing item*) and at
least one means a price component (输入/Input, 输出/Output, 缓存命中/Cache hit,
单价...). Models may also run across the header row (DeepSeek's transposed
table). Sources add only what is special to them through ``TableDefaults``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from pipeline import conditions
from pipeline.collect import Collector
from pipeline.conditions import looks_like_tier, normalise_condition
from pipeline.providers import normalise_model, provider_from_model, provider_from_text
from pipeline.tables import Table
from pipeline.units import ParsedPrice, PriceError, clean, non_token, parse_price, unit_hint

__all__ = ["TableDefaults", "component_of", "header_role", "normalise_condition", "parse_tables"]


@dataclass(frozen=True)
class TableDefaults:
    """What the page (not the cell) says: provider, currency, token unit."""

    provider: str | None = None
    currency: str | None = None
    per_tokens: int | None = None


_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 缓存存储 is billed per 1M tokens per hour: storage, not a token price
    # 免费额度: a free quota of tokens, not a price
    (
        "ignore",
        re.compile(
            r"资源点|rpm|tpm|参数|备注|note|接口说明|^api$|base url|说明|功能|缓存存储|storage|额度|quota", re.I
        ),
    ),
    ("batch", re.compile(r"batch|批量|离线", re.I)),
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
_PRICE_ROLES = {"input", "output", "input_cache_hit", "input_cache_write", "price", "batch"}


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
    if role in _PRICE_ROLES - {"price", "batch"} or role == "output_thinking":
        return role
    return None


def parse_tables(tables: Iterable[Table], defaults: TableDefaults, out: Collector) -> int:
    """Feed every price table's rows to ``out``; returns how many tables qualified."""
    found = 0
    for table in tables:
        scope = conditions.section_conditions(table.labels, table.headings)
        if scope is None:  # a TPM package, a subscription, training: not token prices
            continue
        if _parse_regular(table, defaults, scope, out) or _parse_transposed(table, defaults, scope, out):
            found += 1
    return found


def _priced(role: str | None) -> bool:
    return role in _PRICE_ROLES or role == "output_thinking"


def _header_index(table: Table) -> int | None:
    """The first of the top rows whose cells name a model and a price."""
    for index, header in enumerate(table.rows[:3]):
        roles = [header_role(cell) for cell in header]
        if ("model" in roles or "item" in roles) and any(_priced(r) for r in roles):
            return index
    return None


def _parse_regular(table: Table, defaults: TableDefaults, scope: list[str], out: Collector) -> bool:
    h = _header_index(table)
    if h is None:
        return False
    header = table.rows[h]
    body = table.rows[h + 1 :]
    subs = [""] * len(header)
    if body and len(body[0]) < len(header) and (spread := _spread_subheader(header, body)) is not None:
        header, body = spread[0], [spread[1], *body[1:]]  # a converter dropped the second row's spanned cells
    if body and _subheader(header, body[0]):
        # 输出成本 over 非思考模式 | 思考模式: each column is named by both rows
        header, subs = _two_row_header(header, body[0])
        body = body[1:]
    # a price column per image, video or character is not a token price
    roles = [
        None if _priced(role) and non_token(cell) else role
        for cell, role in zip(header, map(header_role, header), strict=True)
    ]
    hints = [unit_hint(cell) for cell in header]
    columns = _column_conditions(header, subs, roles)
    previous: list[str] = []
    # prices say their unit (or are described in words: 阶梯计价，请参见…): bare numbers are sizes
    typed = any(_is_price(cell) or re.search(r"计价|计费", cell) for cells in body for cell in cells)
    for cells in body:
        if _unit_row(cells, roles):
            # a second header row of units under the merged headers: （Token数） | （每百万Token）
            unit = next((unit_hint(c) for c in cells if unit_hint(c)[1]), (None, None))
            hints = [hint if hint[1] or not _priced(role) else unit for hint, role in zip(hints, roles, strict=True)]
            continue
        row = cells
        if len(row) < len(header) and previous:
            row = _continue(previous, row, roles, typed)
        elif previous:
            row = _fill_down(previous, row, roles)
        previous = row
        if not any(cell.strip() for cell in row) or row == header:
            continue
        _regular_row(roles, hints, columns, dict(enumerate(row)), defaults, scope, out, typed)
    return True


def _column_conditions(header: list[str], subs: list[str], roles: list[str | None]) -> list[str | None]:
    """Columns of one component told apart by their headers (输入单价 over 文本 | 音频 | 图片):
    the words that differ are the column's condition."""
    out: list[str | None] = [None] * len(header)
    for i, role in enumerate(roles):
        if not _priced(role) or role in ("price", "batch") or roles.count(role) < 2:
            continue
        words = subs[i] or header[i]
        out[i] = re.sub(r"\s+", " ", clean(words)).lower() or None
    return out


def _unit_row(cells: list[str], roles: list[str | None]) -> bool:
    return 0 < len(cells) < len(roles) and all(re.fullmatch(r"[（(][^）)]*[）)]", clean(c)) for c in cells if c.strip())


def _is_price(cell: str) -> bool:
    text = clean(cell)
    # other currencies too: they are read, and rejected with their reason
    money = re.search(r"\d\s*(元|块|角|分|厘|美元|usd|cny|eur|gbp|円)|[$¥€£₩₹]\s*\d", text, re.I)
    return bool(money or re.fullmatch(r"免费|free", text, re.I))


def _continue(previous: list[str], row: list[str], roles: list[str | None], typed: bool) -> list[str]:
    """A short row of a Markdown rendering, which drops every rowspan cell: its cells placed by
    what they are (price, tier, mode, model), the rest carried over from the row above."""
    filled = (list(previous) + [""] * len(roles))[: len(roles)]
    price_cols = [i for i, role in enumerate(roles) if _priced(role)]
    prices = [c for c in row if _is_price(c)]
    if not typed:
        # bare numbers, with no unit to tell a price from a size: the dropped cells were at the left
        return previous[: len(roles) - len(row)] + row
    for col, text in zip(price_cols, prices, strict=False):
        filled[col] = text
    for text in row:
        if _is_price(text):
            continue
        tier_col = "condition" if "condition" in roles else "context"  # 上下文 holds tiers on Zhipu's page
        if looks_like_tier(text) and tier_col in roles:
            filled[roles.index(tier_col)] = text
        elif "mode" in roles and re.fullmatch(r"(仅)?(非)?思考(模式)?|.*思考.*和.*思考.*", clean(text)):
            filled[roles.index("mode")] = text
        elif text is row[0] and _model_like(text):
            key = next(i for i, r in enumerate(roles) if r in ("model", "item"))
            filled[key] = text
            if "condition" in roles and not any(looks_like_tier(c) for c in row):
                filled[roles.index("condition")] = ""
    return filled


_KEY_ROLES = ("model", "item", "vendor", "mode")


def _fill_down(previous: list[str], row: list[str], roles: list[str | None]) -> list[str]:
    """A row whose model cell is empty continues the row above (a converter wrote the rowspan
    cells as empty cells): its empty key cells (model, item, vendor, mode) are the ones above."""
    keys = [i for i, role in enumerate(roles) if role in _KEY_ROLES and i < len(row)]
    if not keys or any(row[i].strip() for i in keys if roles[i] in ("model", "item")):
        return row
    if not any(cell.strip() for cell in row):
        return row
    return [previous[i] if i in keys and not cell.strip() and i < len(previous) else cell for i, cell in enumerate(row)]


def _model_like(text: str) -> bool:
    first = clean(text.splitlines()[0] if text.strip() else "")
    return bool(re.search(r"[a-z]", first, re.I)) and not looks_like_tier(first) and not _is_price(first)


def _subheader(header: list[str], row: list[str]) -> bool:
    """A second header row: the model cell spans both rows (or is drawn empty), and no cell holds a number."""
    key = next((i for i, cell in enumerate(header) if header_role(cell) in ("model", "item")), None)
    if key is None or len(row) != len(header) or row[key] not in ("", header[key]) or row == header:
        return False
    words = [cell for cell, top in zip(row, header, strict=True) if cell and cell != top]
    return bool(words) and not any(re.search(r"\d|免费|free", cell, re.I) for cell in words)


def _spread_subheader(header: list[str], body: list[list[str]]) -> tuple[list[str], list[str]] | None:
    """A short second header row (非思考模式 | 思考模式, no numbers) whose rowspan cells a Markdown
    converter dropped: its words go under the header cell they split, the one followed by cells
    drawn empty (markdownify) or, when the body is wider than the header, the output column the
    words name a mode of (html2text draws the spanning cell once)."""
    words = body[0]
    if len(words) < 2 or any(not w.strip() or re.search(r"\d", w) for w in words) or _unit_row(words, header):
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


def _two_row_header(header: list[str], sub: list[str]) -> tuple[list[str], list[str]]:
    """Each column named by both rows; a top cell drawn empty beside a spanning one (a colspan a
    converter wrote as an empty cell) is that cell's, where the row below names the column."""
    tops, left = [], ""
    for top, below in zip(header, sub, strict=True):
        left = top or left
        tops.append(top or (left if below else ""))
    subs = ["" if not below or below == top else below for top, below in zip(tops, sub, strict=True)]
    return [f"{top} {below}" if below else top for top, below in zip(tops, subs, strict=True)], subs


def _regular_row(
    roles: list[str | None],
    hints: list[tuple[str | None, int | None]],
    columns: list[str | None],
    cells: dict[int, str],
    defaults: TableDefaults,
    scope: list[str],
    out: Collector,
    typed: bool = False,
) -> None:
    get = {role: cells.get(i, "") for i, role in reversed(list(enumerate(roles)))}
    item = get.get("item", "")
    model_text = item if item else get.get("model", "")
    model = normalise_model(model_text)
    if not model:
        return
    provider = (
        (provider_from_text(get.get("vendor", "")) if get.get("vendor") else None)
        or defaults.provider
        or provider_from_model(model)
        or provider_from_text(model_text)
    )
    tier_text = get.get("condition") or (get.get("context", "") if looks_like_tier(get.get("context", "")) else "")
    tier = normalise_condition(tier_text) if tier_text else None
    # a 模式 cell says which outputs a single output column prices; a 思考 column says it itself
    single = get.get("mode") and "output_thinking" not in roles
    outputs = conditions.modes(get["mode"]) if single else ("output",)
    unit_currency, unit_per = unit_hint(get.get("unit", ""))
    batch_badge = conditions.batch_half_price(model_text)
    for i, role in enumerate(roles):
        if not _priced(role):
            continue
        text = cells.get(i, "").strip()
        if not text or text in {"-", "—", "/"}:
            continue
        if typed and re.fullmatch(r"\d{1,3}(,\d{3})+|\d{4,}", clean(text)):
            # a token count (32,768) shifted into a price column of a table whose prices state their unit
            out.reject(f"{model}: {text!r} under a price header is a size, not a price", text)
            continue
        parts = _labelled_parts(text) if role in ("price", "batch") else []
        if parts:  # 输入：0.5元 输出：2元 in one cell
            for component, part in parts:
                out.add_text(
                    provider,
                    model,
                    component,
                    conditions.join(tier, *scope),
                    part,
                    currency=hints[i][0] or defaults.currency,
                    per_tokens=hints[i][1] or defaults.per_tokens,
                )
            continue
        if role in ("price", "batch"):
            component = component_of(item) if item else None
            components: tuple[str, ...] = (component,) if component else ("input", "output") if not item else ()
        else:
            components = outputs if role == "output" else (role,)
        if not components:
            out.reject(f"cannot tell input from output in billing item {item!r}", item)
            continue
        head_currency, head_per = hints[i]
        currency = head_currency or unit_currency or defaults.currency
        per = unit_per or head_per or defaults.per_tokens
        try:
            price = parse_price(text, currency=currency, per_tokens=per)
        except PriceError as exc:
            out.reject(f"{model} {components[0]}: {exc}", text)
            continue
        batch = "batch" if role == "batch" else None
        for component in components:
            out.add(provider, model, component, conditions.join(tier, columns[i], batch, *scope), price)
        batched = conditions.join(tier, columns[i], "batch", *scope)
        bracket = _bracketed(text)
        if bracket is not None and role != "batch":  # 5 (2.5): the Batch price beside the price
            _add_scaled(out, provider, model, components, batched, text, bracket, price)
        elif batch_badge and role != "batch" and "batch" not in scope:
            _add_scaled(out, provider, model, components, batched, text, "0.5x", price)


_LABEL = r"(?:输入|输出|缓存命中|input|output|cache hit|cached input)"
_PART = re.compile(rf"({_LABEL})\s*[:：]\s*([^:：]*?)(?={_LABEL}\s*[:：]|$)", re.I | re.S)


def _labelled_parts(text: str) -> list[tuple[str, str]]:
    """A cell that names its components: ``输入：0.5元 / 输出：2元`` -> [(input, 0.5元), (output, 2元)]."""
    found = []
    for label, value in _PART.findall(clean(text)):
        component, amount = component_of(label), value.strip(" /;；,，")
        if component and amount:
            found.append((component, amount))
    return found


def _bracketed(text: str) -> str | None:
    m = re.fullmatch(r"[^()（）]*\d[^()（）]*[(（]\s*(\d+(?:\.\d+)?)\s*[)）]\s*", clean(text))
    return m.group(1) if m else None


def _add_scaled(
    out: Collector,
    provider: str | None,
    model: str,
    components: tuple[str, ...],
    condition: str | None,
    text: str,
    value: str,
    price: ParsedPrice,
) -> None:
    """A second price derived from a cell: the bracketed Batch figure, or the half a badge states."""
    if value.endswith("x"):
        amount = price.amount_per_mtok * Decimal(value[:-1])
        raw = f"{text} (Batch半价)"
    else:
        amount = price.amount_per_mtok * Decimal(value) / _first_number(text)
        raw = text
    for component in components:
        scaled = replace(price, amount_per_mtok=amount, free=amount == 0, raw=raw)
        out.add(provider, model, component, condition, scaled)


def _first_number(text: str) -> Decimal:
    m = re.search(r"\d+(?:\.\d+)?", clean(text))
    return Decimal(m.group()) if m and Decimal(m.group()) else Decimal(1)


_PRICE_LABEL = re.compile(r"token|价格|pricing|price", re.I)


_OFF_PEAK = re.compile(r"off[- ]?peak|空闲时段|闲时|优惠时段|夜间", re.I)
_PEAK = re.compile(r"peak|高峰", re.I)


def band_of(label: str) -> str | None:
    """``off-peak`` or ``peak`` for a row label that names a time band."""
    if _OFF_PEAK.search(label):
        return "off-peak"
    return "peak" if _PEAK.search(label) else None


def _parse_transposed(table: Table, defaults: TableDefaults, scope: list[str], out: Collector) -> bool:
    """Models across the header row, one price component per row."""
    if not table.rows or header_role(table.rows[0][0]) != "model":
        return False
    header = table.rows[0]
    # a model cell's first line is its name; a blurb under it ("卓越的代码模型") says nothing of its role
    models = [
        (i, normalise_model(c), c) for i, c in enumerate(header) if i and c.strip() and header_role(_first(c)) is None
    ]
    if not models:
        return False
    last_component = ""
    for row in table.rows[1:]:
        labels = " ".join(dict.fromkeys(c for c in row if not _looks_priced(c)))
        if component_of(labels) is None and band_of(labels) and last_component:
            labels = f"{last_component} {labels}"  # 高峰时段 under 百万tokens输入: the component above
        if not _PRICE_LABEL.search(labels) and not band_of(labels):
            continue
        component = component_of(labels)
        values = [c for c in row if _looks_priced(c)]
        if component is None or not values:
            continue
        last_component = _PEAK.sub(" ", _OFF_PEAK.sub(" ", labels))
        _, label_per = unit_hint(labels)
        if len(row) == len(header) and all(_looks_priced(row[i]) for i, _, _ in models):
            pairs = [(m, name, row[i]) for i, m, name in models]
        elif len(values) == len(models):
            pairs = [(m, name, v) for (_, m, name), v in zip(models, values, strict=True)]
        elif len(values) == 1:
            pairs = [(m, name, values[0]) for _, m, name in models]  # one cell spanning every model
        else:
            out.reject(f"{len(values)} prices for {len(models)} models in row {row!r}", " | ".join(row))
            continue
        condition = conditions.join(band_of(labels), *scope)
        for model, name, text in pairs:
            try:
                price = parse_price(text, currency=defaults.currency, per_tokens=label_per or defaults.per_tokens)
            except PriceError as exc:
                out.reject(f"{model} {component}: {exc}", text)
                continue
            provider = defaults.provider or provider_from_model(model) or provider_from_text(name)
            out.add(provider, model, component, condition, price)
    return True


def _first(cell: str) -> str:
    return cell.strip().splitlines()[0] if cell.strip() else ""


def _looks_priced(cell: str) -> bool:
    text = clean(cell)
    return bool(re.fullmatch(r"[$¥]?\s*\d[\d,]*(\.\d+)?\s*(元|USD|CNY)?|免费|free", text, re.I))


def parse_document(text: str, defaults: TableDefaults, out: Collector) -> int:
    """Every price table of a document; where none qualifies, a table a text rendering
    flattened into lines, and price cards (a model name with label/value pairs)."""
    from pipeline.cards import card_rows
    from pipeline.flattext import flat_tables
    from pipeline.tables import find_tables, looks_like_html

    found = parse_tables(find_tables(text), defaults, out)
    if not found:
        found = parse_tables(flat_tables(text), defaults, out)
    if looks_like_html(text):
        found += card_rows(text, defaults, out)
    return found
