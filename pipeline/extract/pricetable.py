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
from decimal import Decimal

from pipeline.extract import conditions
from pipeline.extract.cells import (
    add_scaled,
    batch_factor,
    continue_row,
    fill_down,
    first_line,
    is_price,
    labelled_parts,
    looks_priced,
)
from pipeline.extract.collect import Collector
from pipeline.extract.conditions import looks_like_tier, normalise_condition
from pipeline.extract.headers import (
    column_conditions,
    component_of,
    header_index,
    header_role,
    priced,
    spread_subheader,
    subheader,
    two_row_header,
    unit_row,
)
from pipeline.extract.providers import normalise_model, provider_from_model, provider_from_text
from pipeline.extract.tables import Table
from pipeline.extract.units import PriceError, non_token, parse_price, unit_hint

__all__ = ["TableDefaults", "component_of", "header_role", "normalise_condition", "parse_tables"]


@dataclass(frozen=True)
class TableDefaults:
    """What the page (not the cell) says: provider, currency, token unit."""

    provider: str | None = None
    currency: str | None = None
    per_tokens: int | None = None


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


def _parse_regular(table: Table, defaults: TableDefaults, scope: list[str], out: Collector) -> bool:
    h = header_index(table)
    if h is None:
        return False
    header = table.rows[h]
    body = table.rows[h + 1 :]
    subs = [""] * len(header)
    if body and len(body[0]) < len(header) and (spread := spread_subheader(header, body)) is not None:
        header, body = spread[0], [spread[1], *body[1:]]  # a converter dropped the second row's spanned cells
    if body and subheader(header, body[0]):
        # 输出成本 over 非思考模式 | 思考模式: each column is named by both rows
        header, subs = two_row_header(header, body[0])
        body = body[1:]
    # a price column per image, video or character is not a token price
    roles = [
        None if priced(role) and non_token(cell) else role
        for cell, role in zip(header, map(header_role, header), strict=True)
    ]
    hints = [unit_hint(cell) for cell in header]
    columns = column_conditions(header, subs, roles)
    previous: list[str] = []
    price_cols = [i for i, role in enumerate(roles) if priced(role)]  # asked once, not per row
    # prices say their unit (or are described in words: 阶梯计价，请参见…): bare numbers are sizes
    typed = any(is_price(cell) or re.search(r"计价|计费", cell) for cells in body for cell in cells)
    for cells in body:
        if unit_row(cells, roles):
            # a second header row of units under the merged headers: （Token数） | （每百万Token）
            unit = next((unit_hint(c) for c in cells if unit_hint(c)[1]), (None, None))
            hints = [hint if hint[1] or not priced(role) else unit for hint, role in zip(hints, roles, strict=True)]
            continue
        row = cells
        if len(row) < len(header) and previous:
            row = continue_row(previous, row, roles, typed)
        elif previous:
            row = fill_down(previous, row, roles)
        previous = row
        if not any(cell.strip() for cell in row) or row == header:
            continue
        _regular_row(roles, hints, columns, dict(enumerate(row)), defaults, scope, out, typed, price_cols)
    return True


_SIZE = re.compile(r"\d{1,3}(?:,\d{3})+|\d{4,}")  # 32,768: a token count, not a price


def _regular_row(
    roles: list[str | None],
    hints: list[tuple[str | None, int | None]],
    columns: list[str | None],
    cells: dict[int, str],
    defaults: TableDefaults,
    scope: list[str],
    out: Collector,
    typed: bool,
    price_cols: list[int],
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
    for i in price_cols:
        role = roles[i]
        text = cells.get(i, "").strip()
        if not text or text in {"-", "—", "/"}:
            continue
        if typed and _SIZE.fullmatch(text):
            # a token count (32,768) shifted into a price column of a table whose prices state their unit
            out.reject(f"{model}: {text!r} under a price header is a size, not a price", text)
            continue
        parts = labelled_parts(text) if role in ("price", "batch") else []
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
        components: tuple[str, ...]
        if role in ("price", "batch"):
            named = component_of(item) if item else None
            components = (named,) if named else ("input", "output") if not item else ()
        else:
            assert role is not None  # a priced role
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
        if role == "batch":
            continue
        factor = batch_factor(text)
        if factor is None and batch_badge and "batch" not in scope:
            factor, text = Decimal("0.5"), f"{text} (Batch半价)"
        if factor is not None:  # 5 (2.5): the Batch price beside the price; or the half a badge states
            batched = conditions.join(tier, columns[i], "batch", *scope)
            add_scaled(out, provider, model, components, batched, price, factor, text)


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
        (i, normalise_model(c), c)
        for i, c in enumerate(header)
        if i and c.strip() and header_role(first_line(c)) is None
    ]
    if not models:
        return False
    last_component = ""
    for row in table.rows[1:]:
        labels = " ".join(dict.fromkeys(c for c in row if not looks_priced(c)))
        if component_of(labels) is None and band_of(labels) and last_component:
            labels = f"{last_component} {labels}"  # 高峰时段 under 百万tokens输入: the component above
        if not _PRICE_LABEL.search(labels) and not band_of(labels):
            continue
        component = component_of(labels)
        values = [c for c in row if looks_priced(c)]
        if component is None or not values:
            continue
        last_component = _PEAK.sub(" ", _OFF_PEAK.sub(" ", labels))
        _, label_per = unit_hint(labels)
        if len(row) == len(header) and all(looks_priced(row[i]) for i, _, _ in models):
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
