"""Compare the rows of a page with the rows last seen from the same page.

Pure: what is held and what was seen go in, a ``Diff`` comes out. A row
missing from one fetch is only *missing*; it counts as removed after
``removal_after`` consecutive healthy fetches without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pipeline.extract.records import PriceRow

Key = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class Held:
    key: Key
    amount: Decimal
    missed: int = 0


@dataclass
class Diff:
    added: list[PriceRow] = field(default_factory=list)
    changed: list[tuple[Held, PriceRow]] = field(default_factory=list)
    same: list[tuple[Held, PriceRow]] = field(default_factory=list)
    missing: list[Held] = field(default_factory=list)
    removed: list[Held] = field(default_factory=list)


def diff(held: Mapping[Key, Held], rows: list[PriceRow], removal_after: int = 2) -> Diff:
    out = Diff()
    seen: set[Key] = set()
    for row in rows:
        seen.add(row.key)
        old = held.get(row.key)
        if old is None:
            out.added.append(row)
        elif old.amount != row.amount_per_mtok:
            out.changed.append((old, row))
        else:
            out.same.append((old, row))
    for key, old in held.items():
        if key in seen:
            continue
        (out.removed if old.missed + 1 >= removal_after else out.missing).append(old)
    return out


def change_pct(old: Decimal, new: Decimal) -> Decimal | None:
    """Percent change, two decimals; None from zero (free -> paid has no percent)."""
    if old == 0:
        return None
    return ((new - old) / old * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


def vanished_components(held: list[str], rows: list[PriceRow]) -> list[str]:
    """Field coverage: a component the page gave for 2+ rows (``held``), now given for none."""
    counts: dict[str, int] = {}
    for component in held:
        counts[component] = counts.get(component, 0) + 1
    seen = {row.component for row in rows}
    return sorted(c for c, n in counts.items() if n >= 2 and c not in seen)
