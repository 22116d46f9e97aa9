"""Storing one fetched page: snapshot, rejects, observations, events.

One transaction per page, so a crawl killed half-way leaves whole pages only,
and a rerun finds each stored page by its content hash and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Event, PriceObservation, RejectRow, Snapshot, Source
from pipeline.changes import Held, change_pct, diff
from pipeline.records import Extraction, Page, PriceRow, Reject


class OutOfOrder(ValueError):
    """A page older than what is already stored for the same URL."""


@dataclass
class IngestResult:
    source: str
    url: str
    #: stored, unchanged, empty, error
    status: str
    snapshot_id: int | None = None
    rows: int = 0
    rejects: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""


def ingest(
    factory: sessionmaker[Session],
    source: str,
    page: Page,
    extract: Callable[[Page], Extraction],
    *,
    run_id: int | None = None,
    warc: tuple[str | None, int | None] = (None, None),
    error: str | None = None,
    removal_after: int = 2,
    description: str = "",
) -> IngestResult:
    with factory.begin() as session:
        return _ingest(session, source, page, extract, run_id, warc, error, removal_after, description)


def ensure_source(session: Session, name: str, description: str = "", kind: str = "pricing") -> Source:
    src = session.scalar(select(Source).where(Source.name == name))
    if src is None:
        src = Source(name=name, kind=kind, description=description, created_at=datetime.now(UTC))
        session.add(src)
        session.flush()
    elif description and src.description != description:
        src.description = description
    return src


def _ingest(
    session: Session,
    source: str,
    page: Page,
    extract: Callable[[Page], Extraction],
    run_id: int | None,
    warc: tuple[str | None, int | None],
    error: str | None,
    removal_after: int,
    description: str,
) -> IngestResult:
    src = ensure_source(session, source, description)
    at = page.fetched_at.astimezone(UTC)
    sha = hashlib.sha256(page.body).hexdigest()
    result = IngestResult(source, page.url, "stored")
    latest = session.scalar(
        select(Snapshot)
        .where(Snapshot.source_id == src.id, Snapshot.url == page.url)
        .order_by(Snapshot.fetched_at.desc())
        .limit(1)
    )
    same_time = session.scalar(
        select(Snapshot).where(Snapshot.source_id == src.id, Snapshot.url == page.url, Snapshot.fetched_at == at)
    )
    if same_time is not None:
        result.status, result.snapshot_id = "unchanged", same_time.id
        result.message = "already stored (same page, same time)"
        return result
    failed = error is not None or page.status >= 400 or page.status == 0
    if not failed and latest is not None and latest.sha256 == sha and latest.status != "error":
        if at > latest.last_seen_at:
            latest.last_seen_at = at
            if latest.status == "ok":
                _seen_again(session, src, latest, at, removal_after, result)
        result.status, result.snapshot_id = "unchanged", latest.id
        result.message = "same content as the last fetch; not parsed again"
        return result
    if latest is not None and at < latest.fetched_at:
        raise OutOfOrder(
            f"{source}: {page.url} already has a snapshot from {latest.fetched_at:%Y-%m-%dT%H:%M:%SZ}; "
            "ingest older snapshots first (in date order)"
        )
    snap = Snapshot(
        source_id=src.id,
        run_id=run_id,
        url=page.url,
        fetched_at=at,
        last_seen_at=at,
        http_status=page.status,
        sha256=sha,
        size=len(page.body),
        content_type=page.content_type[:200],
        warc_path=warc[0],
        warc_offset=warc[1],
        status="error",
        row_count=0,
    )
    session.add(snap)
    session.flush()
    result.snapshot_id = snap.id
    current = _current(session, src.id, page.url)
    if failed:
        reason = error or f"HTTP {page.status}"
        snap.note = reason
        result.status, result.message = "error", reason
        _reject(session, src, snap, Reject(f"fetch failed: {reason}"))
        result.rejects = 1
        if current:
            result.events.append(_broken(session, src, snap, f"fetch failed: {reason}"))
        return result
    extraction = extract(page)
    for rej in dict.fromkeys(extraction.rejects):  # the same reject twice is one
        _reject(session, src, snap, rej)
    result.rejects = len(extraction.rejects)
    if not extraction.rows:
        snap.status, snap.note = "empty", extraction.empty_reason
        result.status, result.message = "empty", extraction.empty_reason or "nothing extracted"
        if current:
            reason = f"page yielded no rows (it yielded {len(current)} before): {extraction.empty_reason}"
            result.events.append(_broken(session, src, snap, reason))
        else:
            _reject(session, src, snap, Reject(extraction.empty_reason or "nothing extracted"))
            result.rejects += 1
        return result
    snap.status, snap.row_count = "ok", len(extraction.rows)
    result.rows = len(extraction.rows)
    baseline = not current and not _had_rows(session, src.id, page.url, snap.id)
    by_key = {_key(o): o for o in current}
    held = {k: Held(k, o.amount_per_mtok, o.missed) for k, o in by_key.items()}
    changes = diff(held, extraction.rows, removal_after)
    for row in changes.added:
        _observe(session, src, snap, row)
        if not baseline:
            result.events.append(_event(session, "model_added", src, snap, row, new=row.amount_per_mtok))
    for old, row in changes.changed:
        obs = by_key[old.key]
        obs.current, obs.ended_at = False, at
        _observe(session, src, snap, row)
        result.events.append(
            _event(
                session,
                "price_changed",
                src,
                snap,
                row,
                old=old.amount,
                new=row.amount_per_mtok,
                pct=change_pct(old.amount, row.amount_per_mtok),
            )
        )
    for old, _row in changes.same:
        obs = by_key[old.key]
        obs.last_seen, obs.last_snapshot_id, obs.missed = at, snap.id, 0
    for old in changes.missing:
        by_key[old.key].missed += 1
    for old in changes.removed:
        obs = by_key[old.key]
        obs.missed, obs.current, obs.ended_at = obs.missed + 1, False, at
        result.events.append(_event(session, "model_removed", src, snap, obs, old=obs.amount_per_mtok))
    return result


def _seen_again(
    session: Session, src: Source, snap: Snapshot, at: datetime, removal_after: int, result: IngestResult
) -> None:
    """An identical body is another healthy fetch: rows it lacks are missing once more."""
    for obs in _current(session, src.id, snap.url):
        if obs.missed == 0:
            obs.last_seen, obs.last_snapshot_id = at, snap.id
            continue
        obs.missed += 1
        if obs.missed >= removal_after:
            obs.current, obs.ended_at = False, at
            result.events.append(_event(session, "model_removed", src, snap, obs, old=obs.amount_per_mtok, at=at))


def _current(session: Session, source_id: int, url: str) -> list[PriceObservation]:
    return list(
        session.scalars(
            select(PriceObservation).where(
                PriceObservation.source_id == source_id, PriceObservation.url == url, PriceObservation.current.is_(True)
            )
        )
    )


def _had_rows(session: Session, source_id: int, url: str, exclude: int) -> bool:
    return (
        session.scalar(
            select(Snapshot.id)
            .where(
                Snapshot.source_id == source_id, Snapshot.url == url, Snapshot.status == "ok", Snapshot.id != exclude
            )
            .limit(1)
        )
        is not None
    )


def _key(obs: PriceObservation) -> tuple[str, str, str, str, str]:
    return (obs.provider, obs.model, obs.component, obs.condition, obs.currency)


def _observe(session: Session, src: Source, snap: Snapshot, row: PriceRow) -> None:
    session.add(
        PriceObservation(
            source_id=src.id,
            url=snap.url,
            provider=row.provider,
            model=row.model,
            component=row.component,
            condition=row.condition or "",
            currency=row.currency,
            amount_per_mtok=row.amount_per_mtok,
            cny_per_mtok=row.cny_per_mtok,
            free=row.free,
            limited_time=row.limited_time,
            raw=row.raw[:500],
            first_seen=snap.fetched_at,
            last_seen=snap.fetched_at,
            snapshot_id=snap.id,
            last_snapshot_id=snap.id,
            current=True,
            missed=0,
        )
    )


def _event(
    session: Session,
    kind: str,
    src: Source,
    snap: Snapshot,
    row: PriceRow | PriceObservation,
    *,
    old: Any = None,
    new: Any = None,
    pct: Any = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    ev = Event(
        type=kind,
        source_id=src.id,
        snapshot_id=snap.id,
        url=snap.url,
        occurred_at=at or snap.fetched_at,
        provider=row.provider,
        model=row.model,
        component=row.component,
        condition=row.condition or "",
        currency=row.currency,
        old=old,
        new=new,
        change_pct=pct,
    )
    session.add(ev)
    session.flush()
    return {"type": kind, "id": ev.id, "model": row.model, "component": row.component, "old": old, "new": new}


def _broken(session: Session, src: Source, snap: Snapshot, reason: str) -> dict[str, Any]:
    ev = Event(
        type="extraction_broken",
        source_id=src.id,
        snapshot_id=snap.id,
        url=snap.url,
        occurred_at=snap.fetched_at,
        reason=reason,
    )
    session.add(ev)
    session.flush()
    return {"type": "extraction_broken", "id": ev.id, "reason": reason}


def _reject(session: Session, src: Source, snap: Snapshot, rej: Reject) -> None:
    session.add(
        RejectRow(
            source_id=src.id,
            snapshot_id=snap.id,
            url=snap.url,
            reason=rej.reason[:2000],
            raw=rej.raw[:500],
            created_at=datetime.now(UTC),
        )
    )
