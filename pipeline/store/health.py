"""Source health over time: a source with no successful fetch for N of its
intervals is stale. (Per-fetch health, broken extractions and recoveries,
is decided where pages are stored, in ``pipeline.store.ingest``.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Event, Snapshot, Source
from pipeline.store.outbox import Outbox


def last_success(session: Session, source_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(Snapshot.last_seen_at)).where(Snapshot.source_id == source_id, Snapshot.status == "ok")
    )


def check_stale(
    session: Session,
    intervals: Mapping[str, timedelta],
    now: datetime,
    *,
    after: int = 3,
    outbox: Outbox | None = None,
) -> list[Event]:
    """``source_stale`` for each source without a successful fetch for ``after`` of its
    intervals; once per stale spell (a later success starts a new one)."""
    created = []
    for name, every in intervals.items():
        src = session.scalar(select(Source).where(Source.name == name))
        if src is None:
            continue  # never crawled: nothing has gone stale yet
        since = last_success(session, src.id) or src.created_at
        if now - since <= every * after:
            continue
        already = session.scalar(
            select(Event.id).where(Event.source_id == src.id, Event.type == "source_stale", Event.occurred_at > since)
        )
        if already is not None:
            continue
        ev = Event(
            type="source_stale",
            source_id=src.id,
            snapshot_id=None,
            url="",
            occurred_at=now,
            reason=f"no successful fetch since {since:%Y-%m-%d %H:%M}Z ({after} intervals of {_human(every)})",
        )
        session.add(ev)
        session.flush()
        if outbox is not None:
            outbox.queue(session, ev, name)
        created.append(ev)
    return created


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
