"""Database rows -> the record shapes of ``contracts.md`` (events: ``pipeline.store.outbox.event_record``)."""

from __future__ import annotations

from typing import Any

from db.models import PriceObservation
from pipeline.extract.records import PriceRow


def price_row(row: PriceRow, url: str, fetched_at: Any) -> dict[str, Any]:
    return {
        "kind": "price",
        "provider": row.provider,
        "model": row.model,
        "component": row.component,
        "condition": row.condition,
        "amount_per_mtok": row.amount_per_mtok,
        "currency": row.currency,
        "cny_per_mtok": row.cny_per_mtok,
        "free": row.free,
        "limited_time": row.limited_time,
        "raw": row.raw,
        "effective_from": row.effective_from,
        "effective_to": row.effective_to,
        "url": url,
        "fetched_at": fetched_at,
    }


def observation(obs: PriceObservation, source: str) -> dict[str, Any]:
    return {
        "kind": "price",
        "provider": obs.provider,
        "model": obs.model,
        "component": obs.component,
        "condition": obs.condition or None,
        "amount_per_mtok": obs.amount_per_mtok,
        "currency": obs.currency,
        "cny_per_mtok": obs.cny_per_mtok,
        "free": obs.free,
        "limited_time": obs.limited_time,
        "raw": obs.raw,
        "effective_from": obs.effective_from,
        "effective_to": obs.effective_to,
        "url": obs.url,
        "fetched_at": obs.last_seen,
        "source": source,
        "first_seen": obs.first_seen,
        "last_seen": obs.last_seen,
        "ended_at": obs.ended_at,
        "snapshot": obs.snapshot_id,
    }
