"""Database rows -> the record shapes of ``contracts.md``."""

from __future__ import annotations

from typing import Any

from db.models import Event, PriceObservation
from llmwatch.output import plain
from pipeline.records import PriceRow


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
        "url": obs.url,
        "fetched_at": obs.last_seen,
        "source": source,
        "first_seen": obs.first_seen,
        "last_seen": obs.last_seen,
        "ended_at": obs.ended_at,
        "snapshot": obs.snapshot_id,
    }


def event(ev: Event, source: str, warc_path: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": ev.type,
        "id": ev.id,
        "occurred_at": ev.occurred_at,
        "source": source,
        "url": ev.url,
        "snapshot": ev.snapshot_id,
    }
    if ev.type == "extraction_broken":
        out["reason"] = ev.reason
    else:
        out.update(
            provider=ev.provider,
            model=ev.model,
            component=ev.component,
            condition=ev.condition or None,
            currency=ev.currency,
        )
        if ev.type in ("price_changed", "model_removed"):
            out["old"] = ev.old
        if ev.type in ("price_changed", "model_added"):
            out["new"] = ev.new
        if ev.type == "price_changed":
            out["change_pct"] = ev.change_pct
    out["archive"] = warc_path
    return out


def describe(ev: dict[str, Any]) -> str:
    """One line for people: what changed, old -> new, by how much."""
    what = f"{ev.get('provider', '')}/{ev.get('model', '')} {ev.get('component', '')}"
    if ev.get("condition"):
        what += f" [{ev['condition']}]"
    cur = ev.get("currency", "")
    if ev["type"] == "price_changed":
        pct = ev.get("change_pct")
        by = "" if pct is None else f" ({'+' if pct > 0 else ''}{plain(pct)}%)"
        return f"{what}: {plain(ev['old'])} -> {plain(ev['new'])} {cur}/1M{by}"
    if ev["type"] == "model_added":
        return f"{what}: new at {plain(ev['new'])} {cur}/1M"
    if ev["type"] == "model_removed":
        return f"{what}: gone (was {plain(ev['old'])} {cur}/1M)"
    return str(ev.get("reason", ""))
