"""Cross-source reconciliation of values: the same (provider, model, component,
condition) priced differently by several sources.

Every key a page carries is compared, in CNY, with what the other sources
currently hold for it. A spread beyond the tolerance is a discrepancy; which
values are held, and whether a set of values was reported already, is
``pipeline.store.reconcile``'s to find out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from pipeline.extract.units import fmt

Key = tuple[str, str, str, str]


class Held(NamedTuple):
    """One source's current price of a key."""

    source: str
    provider: str
    url: str
    amount_per_mtok: Decimal
    currency: str
    cny_per_mtok: Decimal
    last_seen: datetime


@dataclass(frozen=True)
class Discrepancy:
    key: Key
    low: Decimal
    high: Decimal
    spread_pct: Decimal
    values: list[dict[str, Any]]
    #: the provider's own page, when one of the sources is it
    official: dict[str, Any] | None


def spread_pct(low: Decimal, high: Decimal) -> Decimal:
    """How far apart, as a percentage of the lower value (free against paid: 100)."""
    if low == high:
        return Decimal(0)
    if low == 0:
        return Decimal(100)
    return ((high - low) / low * 100).quantize(Decimal("0.01"))


def compare(
    key: Key,
    held: list[Held],
    source: str,
    tolerance_pct: Decimal,
    official: frozenset[tuple[str, str]],
    window: timedelta | None = None,
) -> Discrepancy | None:
    """The sources holding ``key`` disagree beyond the tolerance, ``source`` among them.

    Only values seen within ``window`` of ``source``'s are compared (an old figure is history,
    not a disagreement), and each source once: its figure in CNY before a conversion, the
    newest first, so two pages of one provider (DeepSeek's USD and CNY pages) never disagree
    with each other, nor count twice."""
    mine = [h for h in held if h.source == source]
    if not mine:
        return None
    if window is not None:
        newest = max(h.last_seen for h in mine)
        held = [h for h in held if abs(h.last_seen - newest) <= window]
    held = _one_per_source(held)
    if len(held) < 2:
        return None
    cny = [h.cny_per_mtok for h in held]
    low, high = min(cny), max(cny)
    pct = spread_pct(low, high)
    if pct <= tolerance_pct:
        return None
    values = [
        {
            "source": h.source,
            "url": h.url,
            "value": fmt(h.amount_per_mtok),
            "currency": h.currency,
            "cny_per_mtok": fmt(h.cny_per_mtok),
            "seen": h.last_seen.isoformat().replace("+00:00", "Z"),
            "official": (h.source, h.provider) in official,
        }
        # the provider's own page first, then by source and page
        for h in sorted(held, key=lambda h: ((h.source, h.provider) not in official, h.source, h.url))
    ]
    return Discrepancy(key, low, high, pct, values, next((v for v in values if v["official"]), None))


def _one_per_source(held: list[Held]) -> list[Held]:
    best: dict[str, Held] = {}
    for h in sorted(held, key=lambda h: (h.currency != "CNY", -h.last_seen.timestamp(), h.url)):
        best.setdefault(h.source, h)
    return list(best.values())


def fingerprint(values: list[dict[str, Any]]) -> list[list[str]]:
    """What makes a set of values the same news again: each source's page and figure."""
    return sorted([v["source"], v["url"], v["cny_per_mtok"]] for v in values)


def detail(d: Discrepancy, tolerance_pct: Decimal) -> dict[str, Any]:
    return {
        "values": d.values,
        "official": d.official,
        "spread_pct": fmt(d.spread_pct),
        "tolerance_pct": fmt(tolerance_pct),
        "fingerprint": fingerprint(d.values),
    }
