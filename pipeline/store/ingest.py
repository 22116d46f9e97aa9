"""Storing fetched pages: snapshot, rejects, observations, events, alerts.

Pages are stored in batches, one transaction per batch (``ingest_many``), so
a crawl killed half-way leaves whole pages only (the WARC archive holds the
rest for a replay), and a rerun finds each stored page by its content hash
and changes nothing. Alerts are queued in the same transaction as their
events (the outbox).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Snapshot, Source
from pipeline.extract.records import Extraction, IngestResult, OutOfOrder, Page, Policy
from pipeline.store import reconcile
from pipeline.store.batchwrite import settle
from pipeline.store.outbox import Outbox
from pipeline.store.pages import PageWrite

__all__ = ["IngestResult", "OutOfOrder", "PageJob", "Policy", "ensure_source", "ingest", "ingest_many", "record_fetch"]


def ingest(
    factory: sessionmaker[Session],
    source: str,
    page: Page,
    extract: Callable[[Page], Extraction],
    *,
    run_id: int | None = None,
    warc: tuple[str | None, int | None] = (None, None),
    error: str | None = None,
    policy: Policy = Policy(),
    outbox: Outbox | None = None,
    description: str = "",
) -> IngestResult:
    job = PageJob(source, page, extract, run_id, warc, error, description)
    return ingest_many(factory, [job], policy=policy, outbox=outbox)[0]


@dataclass
class PageJob:
    """One fetched page to store, and how to read it."""

    source: str
    page: Page
    extract: Callable[[Page], Extraction]
    run_id: int | None = None
    warc: tuple[str | None, int | None] = (None, None)
    error: str | None = None
    description: str = ""


def ingest_many(
    factory: sessionmaker[Session], jobs: list[PageJob], *, policy: Policy = Policy(), outbox: Outbox | None = None
) -> list[IngestResult]:
    """Store ``jobs`` in one transaction; any failure rolls back all of them (callers retry one by one)."""
    with factory.begin() as session:
        _latest_snapshots(session, jobs)
        pages: list[PageWrite] = []
        for round_ in _rounds(jobs):
            started = []
            for job in round_:
                src = ensure_source(session, job.source, job.description)
                stored = PageWrite(session, src, job.page, outbox, policy)
                stored.store(job.extract, job.run_id, job.warc, job.error)
                started.append(stored)
            session.flush()  # the round's new snapshots in one INSERT (RETURNING their ids)
            for stored in started:
                stored.finish()
            pages += started
        settle(session)
        # one query for the batch: which of its models does more than one source price?
        shared = reconcile.shared_models(session, {row.model for page in pages for row in page.stored_rows})
        for stored in pages:
            stored.compare_sources(shared)
    return [stored.result for stored in pages]


def _rounds(jobs: list[PageJob]) -> list[list[PageJob]]:
    """The batch in order, cut before a page seen earlier in the same cut: the pages of a round
    are decided together, and a page fetched twice is decided after its first fetch is stored."""
    rounds: list[list[PageJob]] = [[]]
    seen: set[tuple[str, str]] = set()
    for job in jobs:
        key = (job.source, job.page.url)
        if key in seen:
            rounds.append([])
            seen.clear()
        seen.add(key)
        rounds[-1].append(job)
    return rounds


def _latest_snapshots(session: Session, jobs: list[PageJob]) -> None:
    """The newest snapshot of every page of the batch, in one query per source (a page that
    occurs twice in the batch is looked up when it comes: the first may change it)."""
    counts: dict[tuple[str, str], int] = {}
    for job in jobs:
        counts[job.source, job.page.url] = counts.get((job.source, job.page.url), 0) + 1
    by_source: dict[str, list[str]] = {}
    for (source, url), n in counts.items():
        if n == 1:
            by_source.setdefault(source, []).append(url)
    known: dict[tuple[int, str], Snapshot | None] = {}
    for source, urls in by_source.items():
        src = ensure_source(session, source)
        for url in urls:
            known[src.id, url] = None
        for start in range(0, len(urls), 500):
            stmt = select(Snapshot).where(Snapshot.source_id == src.id, Snapshot.url.in_(urls[start : start + 500]))
            for snap in session.scalars(stmt):
                held = known[src.id, snap.url]
                if held is None or snap.fetched_at > held.fetched_at:
                    known[src.id, snap.url] = snap
    session.info["llmwatch_latest"] = known


def ensure_source(session: Session, name: str, description: str = "", kind: str = "pricing") -> Source:
    known: dict[str, Source] = session.info.setdefault("llmwatch_sources", {})
    if name in known and (not description or known[name].description == description):
        return known[name]
    src = session.scalar(select(Source).where(Source.name == name))
    if src is None:
        src = Source(name=name, kind=kind, description=description, created_at=datetime.now(UTC))
        session.add(src)
        session.flush()
    elif description and src.description != description:
        src.description = description
    known[name] = src
    return src


def record_fetch(
    factory: sessionmaker[Session],
    source: str,
    page: Page,
    *,
    items: int,
    warc: tuple[str | None, int | None] = (None, None),
    error: str | None = None,
    run_id: int | None = None,
    kind: str = "news",
    empty: str = "no feed items",
) -> IngestResult:
    """A fetched feed or rates file (no prices in it): its snapshot, so source health covers
    news and exchange rates too. ``items``: what it held; ``empty``: the note when nothing."""
    with factory.begin() as s:
        src = ensure_source(s, source, kind=kind)
        at = page.fetched_at.astimezone(UTC)
        result = IngestResult(source, page.url, "stored", rows=items)
        exists = s.scalar(
            select(Snapshot).where(Snapshot.source_id == src.id, Snapshot.url == page.url, Snapshot.fetched_at == at)
        )
        if exists is not None:
            result.status, result.snapshot_id = "unchanged", exists.id
            return result
        status = "error" if error or page.status >= 400 or page.status == 0 else ("ok" if items else "empty")
        snap = Snapshot(
            source_id=src.id,
            run_id=run_id,
            url=page.url,
            fetched_at=at,
            last_seen_at=at,
            http_status=page.status,
            sha256=hashlib.sha256(page.body).hexdigest(),
            size=len(page.body),
            content_type=page.content_type[:200],
            warc_path=warc[0],
            warc_offset=warc[1],
            status=status,
            row_count=items,
            note=error or (None if items else empty),
        )
        s.add(snap)
        s.flush()
        result.snapshot_id = snap.id
        if status != "ok":
            result.status, result.message = ("error" if status == "error" else "empty"), snap.note or ""
        return result
