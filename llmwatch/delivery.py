"""Delivering the outbox: pending alerts, oldest first, one channel at a time.

A failed send leaves the alert pending with a growing back-off, and holds
back the channel's later alerts so they arrive in order. Each success is
committed right after its send: a rerun finds it sent and sends nothing again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db import locks
from db.models import Alert, Event, Snapshot, Source
from llmwatch import channels
from llmwatch.config import Settings
from pipeline.extract.alerts import render, render_digest
from pipeline.store.outbox import event_record

LOCK = "alerts:send"


@dataclass
class Report:
    sent: int = 0
    messages: int = 0
    failed: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None


def deliver(settings: Settings, factory: sessionmaker[Session], *, now: datetime | None = None) -> Report:
    report = Report()
    held = locks.acquire(factory, LOCK)
    if held is not None:
        report.skipped = f"another delivery is running ({held})"
        return report
    try:
        _deliver(settings, factory, now or datetime.now(UTC), report)
    finally:
        locks.release(factory, LOCK)
    with factory() as s:
        report.pending = len(s.scalars(select(Alert.id).where(Alert.status == "pending")).all())
    return report


def _deliver(settings: Settings, factory: sessionmaker[Session], now: datetime, report: Report) -> None:
    urls = settings.channel_urls
    with factory() as s:
        due = s.execute(
            select(Alert, Event, Source.name, Snapshot.warc_path)
            .join(Event, Event.id == Alert.event_id)
            .join(Source, Source.id == Event.source_id)
            .outerjoin(Snapshot, Snapshot.id == Event.snapshot_id)
            .where(Alert.status == "pending", Alert.next_attempt_at <= now)
            .order_by(Alert.id)
        ).all()
    by_channel: dict[str, list[tuple[Alert, dict[str, Any]]]] = defaultdict(list)
    for alert, ev, source, warc in due:
        by_channel[alert.channel_key].append((alert, event_record(ev, source, warc)))
    backoff = (int(settings.alerts["retry_backoff_seconds"]), int(settings.alerts["max_backoff_seconds"]))
    for key, items in by_channel.items():
        url = urls.get(key)
        if url is None:
            _failed(factory, [a for a, _ in items], "channel no longer in the configuration", now, backoff, report)
            continue
        channel = channels.Channel(url)
        digest = [(a, r) for a, r in items if a.digest]
        batches = [[item] for item in items if not item[0].digest] + ([digest] if digest else [])
        batches.sort(key=lambda batch: batch[0][0].id)
        for batch in batches:
            records = [r for _, r in batch]
            title, body = render_digest(records) if batch[0][0].digest else render(records[0])
            error = channel.send(title, body, {"events": [r["id"] for r in records]})
            alerts = [a for a, _ in batch]
            if error is None:
                _sent(factory, alerts, now)
                report.sent += len(alerts)
                report.messages += 1
            else:
                rest = [a for b in batches[batches.index(batch) :] for a, _ in b]
                _failed(factory, rest, error, now, backoff, report)
                report.problems.append(f"{channel.label}: {error}")
                break  # the channel's later alerts wait, so they arrive in order


def _sent(factory: sessionmaker[Session], alerts: list[Alert], now: datetime) -> None:
    with factory.begin() as s:
        for alert in alerts:
            row = s.get(Alert, alert.id)
            assert row is not None
            row.status, row.sent_at, row.attempts, row.last_error = "sent", now, row.attempts + 1, None


def _failed(
    factory: sessionmaker[Session],
    alerts: list[Alert],
    error: str,
    now: datetime,
    backoff: tuple[int, int],
    report: Report,
) -> None:
    base, cap = backoff
    with factory.begin() as s:
        for alert in alerts:
            row = s.get(Alert, alert.id)
            assert row is not None
            row.attempts += 1
            row.last_error = error[:1000]
            row.next_attempt_at = now + timedelta(seconds=min(base * 2 ** (row.attempts - 1), cap))
    report.failed += len(alerts)
