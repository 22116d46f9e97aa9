"""Sanity guards on every price, written once: rows that look like a slip of the
page (or of its reading) rather than a market change.

- a cache-hit price above the same model's input price;
- a change of more than ``factor`` (20x) up or down from the last value of the
  same key (price registries have shipped 10x and 1000x slips this way).

Pure: the page's rows and the rows held for it go in, the suspect keys with
their reasons come out. The storer holds such rows back (stored with their
reason, a ``price_suspect`` event, no ``price_changed``, no alert) until the
next healthy fetch shows the same value again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from pipeline.extract.changes import Held, Key
from pipeline.extract.records import PriceRow
from pipeline.extract.units import fmt

FACTOR = Decimal(20)


def suspects(
    rows: list[PriceRow],
    held: Mapping[Key, Held],
    pending: Callable[[], Mapping[Key, Decimal]] = dict,
    factor: Decimal = FACTOR,
) -> dict[Key, str]:
    """The keys of ``rows`` that look wrong, each with why; ``pending`` (asked only when some
    row looks wrong) gives the suspect values the page's previous fetch showed: the same
    value shown again is confirmed, no longer suspect."""
    amounts = {r.key: r.amount_per_mtok for r in rows}
    inputs = {(r.provider, r.model, r.condition, r.currency): r.amount_per_mtok for r in rows if r.component == "input"}
    found: dict[Key, str] = {}
    for row in rows:
        if row.component == "input_cache_hit":
            base = inputs.get((row.provider, row.model, row.condition, row.currency))
            if base is not None and row.amount_per_mtok > base:
                found[row.key] = (
                    f"cache-hit price {fmt(row.amount_per_mtok)} above the input price {fmt(base)} {row.currency}"
                )
        old = held.get(row.key)
        if old is None or not old.amount or not row.amount_per_mtok or old.amount == row.amount_per_mtok:
            continue  # free <-> paid has no ratio; an unchanged price is no slip
        ratio = row.amount_per_mtok / old.amount
        if ratio > factor or ratio < 1 / factor:
            found[row.key] = (
                f"{fmt(old.amount)} -> {fmt(row.amount_per_mtok)} {row.currency} is "
                f"{fmt(round(ratio if ratio > 1 else 1 / ratio, 1))}x {'up' if ratio > 1 else 'down'}"
            )
    if found:
        before = pending()
        found = {k: why for k, why in found.items() if before.get(k) != amounts[k]}
    return found
