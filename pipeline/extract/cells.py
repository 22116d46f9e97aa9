"""What one cell, or one row of cells, of a price table holds: a price or a tier,
a cell naming its parts (``输入：0.5元 输出：2元``), a bracketed Batch price
(``5 (2.5)``), and rows a rendering cut short or drew with empty rowspan cells."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from pipeline.extract.collect import Collector
from pipeline.extract.conditions import looks_like_tier
from pipeline.extract.headers import component_of, priced
from pipeline.extract.units import MONEY, ParsedPrice, clean


def is_price(cell: str) -> bool:
    """An amount with its currency (other currencies too: read, then rejected with the reason), or 免费."""
    text = clean(cell)
    return bool(MONEY.search(text) or re.fullmatch(r"免费|free", text, re.I))


def looks_priced(cell: str) -> bool:
    text = clean(cell)
    return bool(re.fullmatch(r"[$¥]?\s*\d[\d,]*(\.\d+)?\s*(元|USD|CNY)?|免费|free", text, re.I))


def first_line(cell: str) -> str:
    return cell.strip().splitlines()[0] if cell.strip() else ""


def continue_row(previous: list[str], row: list[str], roles: list[str | None], typed: bool) -> list[str]:
    """A short row of a Markdown rendering, which drops every rowspan cell: its cells placed by
    what they are (price, tier, mode, model), the rest carried over from the row above."""
    filled = (list(previous) + [""] * len(roles))[: len(roles)]
    price_cols = [i for i, role in enumerate(roles) if priced(role)]
    prices = [c for c in row if is_price(c)]
    if not typed:
        # bare numbers, with no unit to tell a price from a size: the dropped cells were at the left
        return previous[: len(roles) - len(row)] + row
    for col, text in zip(price_cols, prices, strict=False):
        filled[col] = text
    for text in row:
        if is_price(text):
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


def fill_down(previous: list[str], row: list[str], roles: list[str | None]) -> list[str]:
    """A row whose model cell is empty continues the row above (a converter wrote the rowspan
    cells as empty cells): its empty key cells (model, item, vendor, mode) are the ones above."""
    named = next((i for i, role in enumerate(roles) if role in ("model", "item")), None)
    if named is None or named >= len(row) or row[named].strip():
        return row  # the common row: it names its model
    keys = [i for i, role in enumerate(roles) if role in _KEY_ROLES and i < len(row)]
    if not any(cell.strip() for cell in row):
        return row
    return [previous[i] if i in keys and not cell.strip() and i < len(previous) else cell for i, cell in enumerate(row)]


def _model_like(text: str) -> bool:
    first = clean(text.splitlines()[0] if text.strip() else "")
    return bool(re.search(r"[a-z]", first, re.I)) and not looks_like_tier(first) and not is_price(first)


_LABEL = r"(?:输入|输出|缓存命中|input|output|cache hit|cached input)"


_PART = re.compile(rf"({_LABEL})\s*[:：]\s*([^:：]*?)(?={_LABEL}\s*[:：]|$)", re.I | re.S)


def labelled_parts(text: str) -> list[tuple[str, str]]:
    """A cell that names its components: ``输入：0.5元 / 输出：2元`` -> [(input, 0.5元), (output, 2元)]."""
    found = []
    for label, value in _PART.findall(clean(text)):
        component, amount = component_of(label), value.strip(" /;；,，")
        if component and amount:
            found.append((component, amount))
    return found


def batch_factor(text: str) -> Decimal | None:
    """``5 (2.5)``: the Batch price a cell writes in brackets beside the price, as a factor (0.5)."""
    if "(" not in text and "（" not in text:
        return None
    m = re.fullmatch(r"[^()（）]*?(\d+(?:\.\d+)?)[^()（）]*[(（]\s*(\d+(?:\.\d+)?)\s*[)）]\s*", clean(text))
    if m is None or not Decimal(m.group(1)):
        return None
    return Decimal(m.group(2)) / Decimal(m.group(1))


def add_scaled(
    out: Collector,
    provider: str | None,
    model: str,
    components: tuple[str, ...],
    condition: str | None,
    price: ParsedPrice,
    factor: Decimal,
    raw: str,
) -> None:
    """A second price a cell implies: the bracketed Batch figure, or the half a badge states."""
    amount = price.amount_per_mtok * factor
    for component in components:
        out.add(
            provider, model, component, condition, replace(price, amount_per_mtok=amount, free=amount == 0, raw=raw)
        )
