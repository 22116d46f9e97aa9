"""Cross-source reconciliation: the same (provider, model, component,
condition) priced differently by several sources.

After a page is stored, every key it carries is compared, in CNY, with what
the other sources currently hold for it. A spread beyond the tolerance is a
``price_discrepancy``, reported once per distinct set of values (a rerun, or a
page seen again with the same figures, says nothing new).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.bulk import one_of
from db.models import Event, PriceObservation, Source
from pipeline.extract.records import PriceRow
from pipeline.extract.units import fmt

Key = tuple[str, str, str, str]


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


def shared_models(session: Session, models: set[str]) -> set[str]:
    """Of ``models``, those that more than one source currently prices (usually few or none)."""
    obs = PriceObservation
    stmt = (
        select(obs.model)
        .where(obs.current.is_(True), one_of(session, obs.model, models))
        .group_by(obs.model)
        .having(func.count(obs.source_id.distinct()) > 1)
    )
    return set(session.scalars(stmt))


def find(
    session: Session,
    rows: Iterable[PriceRow],
    source: str,
    tolerance_pct: Decimal,
    official: frozenset[tuple[str, str]],
) -> list[Discrepancy]:
    """Discrepancies that involve ``source``'s just-stored ``rows`` and are new."""
    keys = {(r.provider, r.model, r.component, r.condition or "") for r in rows}
    if not keys:
        return []
    models = {k[1] for k in keys}
    held: dict[Key, list[tuple[PriceObservation, str]]] = {}
    stmt = (
        select(PriceObservation, Source.name)
        .join(Source, Source.id == PriceObservation.source_id)
        .where(PriceObservation.current.is_(True), one_of(session, PriceObservation.model, models))
    )
    for obs, name in session.execute(stmt):
        key = (obs.provider, obs.model, obs.component, obs.condition or "")
        if key in keys:
            held.setdefault(key, []).append((obs, name))
    found = []
    for key, seen in sorted(held.items()):
        names = {name for _, name in seen}
        if len(names) < 2 or source not in names:
            continue
        cny = [obs.cny_per_mtok for obs, _ in seen]
        low, high = min(cny), max(cny)
        pct = spread_pct(low, high)
        if pct <= tolerance_pct:
            continue
        values = [
            {
                "source": name,
                "url": obs.url,
                "value": fmt(obs.amount_per_mtok),
                "currency": obs.currency,
                "cny_per_mtok": fmt(obs.cny_per_mtok),
                "seen": obs.last_seen.isoformat().replace("+00:00", "Z"),
                "official": (name, obs.provider) in official,
            }
            for obs, name in sorted(seen, key=lambda p: ((p[1], p[0].provider) not in official, p[1], p[0].url))
        ]
        if _already_reported(session, key, values):
            continue
        off = next((v for v in values if v["official"]), None)
        found.append(Discrepancy(key, low, high, pct, values, off))
    return found


def _fingerprint(values: list[dict[str, Any]]) -> list[list[str]]:
    return sorted([v["source"], v["url"], v["cny_per_mtok"]] for v in values)


def _already_reported(session: Session, key: Key, values: list[dict[str, Any]]) -> bool:
    provider, model, component, condition = key
    last = session.scalars(
        select(Event)
        .where(
            Event.type == "price_discrepancy",
            Event.provider == provider,
            Event.model == model,
            Event.component == component,
            Event.condition == condition,
        )
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(1)
    ).first()
    return last is not None and (last.detail or {}).get("fingerprint") == _fingerprint(values)


def detail(d: Discrepancy, tolerance_pct: Decimal) -> dict[str, Any]:
    return {
        "values": d.values,
        "official": d.official,
        "spread_pct": fmt(d.spread_pct),
        "tolerance_pct": fmt(tolerance_pct),
        "fingerprint": _fingerprint(d.values),
    }
