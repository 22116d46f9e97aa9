"""Cross-source reconciliation in the database: what the other sources
currently hold for the keys a page just stored, and which disagreements are new.

A spread beyond the tolerance (``pipeline.extract.reconcile``) is a
``price_discrepancy``, reported once per distinct set of values (a rerun, or a
page seen again with the same figures, says nothing new).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.bulk import one_of
from db.models import Event, PriceObservation, Source
from pipeline.extract.reconcile import Discrepancy, Held, Key, compare, fingerprint
from pipeline.extract.records import PriceRow


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
    window: timedelta | None = None,
) -> list[Discrepancy]:
    """Discrepancies that involve ``source``'s just-stored ``rows`` and are new."""
    keys = {(r.provider, r.model, r.component, r.condition or "") for r in rows}
    if not keys:
        return []
    held: dict[Key, list[Held]] = {}
    stmt = (
        select(PriceObservation, Source.name)
        .join(Source, Source.id == PriceObservation.source_id)
        .where(PriceObservation.current.is_(True), one_of(session, PriceObservation.model, {k[1] for k in keys}))
    )
    for obs, name in session.execute(stmt):
        key = (obs.provider, obs.model, obs.component, obs.condition or "")
        if key in keys:
            held.setdefault(key, []).append(
                Held(name, obs.provider, obs.url, obs.amount_per_mtok, obs.currency, obs.cny_per_mtok, obs.last_seen)
            )
    found = []
    for key, seen in sorted(held.items()):
        d = compare(key, seen, source, tolerance_pct, official, window)
        if d is not None and not _already_reported(session, key, d.values):
            found.append(d)
    return found


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
    return last is not None and (last.detail or {}).get("fingerprint") == fingerprint(values)
