"""Delivering the outbox: pending alerts, oldest first, one channel at a time.

Delivery is at least once, and de-duplicable. Each message has an id (the
``Idempotency-Key`` header and ``message_id`` field of a webhook, beside the
event ids) that is stored on its alerts, marked "sending", before the send
starts. A send that a crash interrupted, or that ran past ``[alerts]
send_timeout`` (its outcome unknown), is sent again later with the same id
and the same alerts, so a receiver that drops ids it has seen shows each alert
once. A failed send leaves its alerts pending with a growing back-off and holds
back the channel's later alerts so they arrive in order.
"""

from __future__ import annotations

import hashlib
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
UNDELIVERED = ("pending", "sending")


@dataclass
class Report:
    sent: int = 0
    messages: int = 0
    failed: int = 0
    #: sends whose outcome is unknown (timed out): to be sent again with the same id
    unknown: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None
    #: when the earliest alert still waiting is next tried (None: nothing waits)
    next_attempt: datetime | None = None


Batch = list[tuple[Alert, dict[str, Any]]]


def message_id(alerts: list[Alert]) -> str:
    """The same id for the same alerts, however often they are sent."""
    ids = ",".join(str(a.id) for a in sorted(alerts, key=lambda a: a.id))
    return "llmwatch-" + hashlib.sha256(ids.encode()).hexdigest()[:24]


def deliver(
    settings: Settings, factory: sessionmaker[Session], *, now: datetime | None = None, respect_backoff: bool = True
) -> Report:
    """Send what is due (``respect_backoff=False``: everything undelivered, now)."""
    report = Report()
    held = locks.acquire(factory, LOCK)
    if held is not None:
        report.skipped = f"another delivery is running ({held})"
        return report
    now = now or datetime.now(UTC)
    try:
        _deliver(settings, factory, now, report, respect_backoff)
    finally:
        locks.release(factory, LOCK)
    with factory() as s:
        waiting = s.scalars(select(Alert.next_attempt_at).where(Alert.status.in_(UNDELIVERED))).all()
    report.pending = len(waiting)
    report.next_attempt = min(waiting, default=None)
    return report


def _deliver(
    settings: Settings, factory: sessionmaker[Session], now: datetime, report: Report, respect_backoff: bool
) -> None:
    urls = settings.channel_urls
    stmt = (
        select(Alert, Event, Source.name, Snapshot.warc_path)
        .join(Event, Event.id == Alert.event_id)
        .join(Source, Source.id == Event.source_id)
        .outerjoin(Snapshot, Snapshot.id == Event.snapshot_id)
        .where(Alert.status.in_(UNDELIVERED))
        .order_by(Alert.id)
    )
    if respect_backoff:
        stmt = stmt.where(Alert.next_attempt_at <= now)
    with factory() as s:
        due = s.execute(stmt).all()
    by_channel: dict[str, Batch] = defaultdict(list)
    for alert, ev, source, warc in due:
        by_channel[alert.channel_key].append((alert, event_record(ev, source, warc)))
    backoff = (int(settings.alerts["retry_backoff_seconds"]), int(settings.alerts["max_backoff_seconds"]))
    timeout = float(settings.alerts.get("send_timeout") or 10)
    for key, items in by_channel.items():
        url = urls.get(key)
        if url is None:
            alerts = [a for a, _ in items]
            _retry(factory, alerts, "channel no longer in the configuration", now, backoff, "pending")
            report.failed += len(alerts)
            continue
        channel = channels.Channel(url, timeout=timeout)
        for batch in _batches(items):
            alerts = [a for a, _ in batch]
            records = [r for _, r in batch]
            mid = alerts[0].message_id or message_id(alerts)
            _in_flight(factory, alerts, mid, now)
            title, body = render_digest(records) if alerts[0].digest else render(records[0])
            payload = {"message_id": mid, "events": [r["id"] for r in records], "alerts": [a.id for a in alerts]}
            error = channel.send(title, body, payload)
            if error is None:
                _sent(factory, alerts, now)
                report.sent += len(alerts)
                report.messages += 1
                continue
            unknown = channels.timed_out(error)
            if unknown:
                error = f"{error} (the outcome is unknown: sent again later as {mid})"
                report.unknown += len(alerts)
            rest = [a for a, _ in batch] + [a for b in _later(items, batch) for a, _ in b]
            _retry(factory, alerts, error, now, backoff, "sending" if unknown else "pending")
            _retry(factory, rest[len(alerts) :], "waiting for an earlier message", now, backoff, None)
            report.failed += len(rest)
            report.problems.append(f"{channel.label}: {error}")
            break  # the channel's later alerts wait, so they arrive in order


def _batches(items: Batch) -> list[Batch]:
    """A message per alert, one digest of the digest rules' alerts, and every message already
    given an id (an earlier send failed, timed out or was cut short) exactly as it was."""
    grouped: dict[str, Batch] = defaultdict(list)
    fresh_digest: Batch = []
    singles: list[Batch] = []
    for item in items:
        alert = item[0]
        if alert.message_id:
            grouped[alert.message_id].append(item)
        elif alert.digest:
            fresh_digest.append(item)
        else:
            singles.append([item])
    batches = list(grouped.values()) + singles + ([fresh_digest] if fresh_digest else [])
    return sorted(batches, key=lambda batch: batch[0][0].id)


def _later(items: Batch, batch: Batch) -> list[Batch]:
    batches = _batches(items)
    first = batch[0][0].id
    return [b for b in batches if b[0][0].id > first]


def _in_flight(factory: sessionmaker[Session], alerts: list[Alert], mid: str, now: datetime) -> None:
    """Recorded before the send: a crash during it leaves the alerts "sending" under ``mid``."""
    with factory.begin() as s:
        for alert in alerts:
            row = s.get(Alert, alert.id)
            assert row is not None
            row.status, row.message_id, row.sending_since = "sending", mid, now
            alert.message_id = mid


def _sent(factory: sessionmaker[Session], alerts: list[Alert], now: datetime) -> None:
    with factory.begin() as s:
        for alert in alerts:
            row = s.get(Alert, alert.id)
            assert row is not None
            row.status, row.sent_at, row.attempts, row.last_error = "sent", now, row.attempts + 1, None


def _retry(
    factory: sessionmaker[Session],
    alerts: list[Alert],
    error: str,
    now: datetime,
    backoff: tuple[int, int],
    status: str | None,
) -> None:
    """Tried, or held back behind a failed one (``status`` None: left as it is), and due again
    after the channel's back-off: the same for all, so they keep their order."""
    base, cap = backoff
    with factory.begin() as s:
        for alert in alerts:
            row = s.get(Alert, alert.id)
            assert row is not None
            row.attempts += 1
            if status is not None:
                row.status = status
            row.last_error = error[:1000]
            row.next_attempt_at = now + timedelta(seconds=min(base * 2 ** (row.attempts - 1), cap))
