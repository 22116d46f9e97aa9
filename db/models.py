"""The schema. Key columns that may be "absent" (condition, provider on a
page-level event) hold '' rather than NULL so unique constraints hold."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="pricing")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: running, finished, failed
    status: Mapped[str] = mapped_column(String(16), default="running")
    sources: Mapped[str] = mapped_column(Text, default="")
    replay: Mapped[str | None] = mapped_column(Text)
    warc_path: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    rejects: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    #: the process running it (host:pid): a run whose process died is marked failed
    owner: Mapped[str | None] = mapped_column(String(200))


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("source_id", "url", "fetched_at", name="uq_snapshots_source_url_fetched"),
        Index("ix_snapshots_source_url", "source_id", "url"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the last time the same body was fetched again
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    http_status: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    #: the validators of the response, sent back as If-None-Match / If-Modified-Since next time
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    #: "plain" (the served HTML) or "browser" (rendered in Chromium)
    read_via: Mapped[str] = mapped_column(String(16), default="plain", server_default="plain")
    #: rows of this snapshot held back as suspect, waiting for the next healthy fetch
    suspect_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    warc_path: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    #: ok (rows found), empty (nothing extracted), error (fetch failed)
    status: Mapped[str] = mapped_column(String(16))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)


class PriceObservation(Base):
    """One price held by one (source, page, key) from first_seen to last_seen.

    A change of price starts a new row; ``current`` marks the live one.
    """

    __tablename__ = "price_observations"
    __table_args__ = (
        # a snapshot is one (source, url, fetched_at): the same rows twice from one fetch are refused
        UniqueConstraint(
            "snapshot_id",
            "provider",
            "model",
            "component",
            "condition",
            "currency",
            name="uq_price_observations_snapshot_key",
        ),
        Index("ix_price_observations_current", "source_id", "url", "current"),
        Index("ix_price_observations_model", "model"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the source of ``snapshot_id``'s snapshot (no key of its own: see migration 0008)
    source_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    component: Mapped[str] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount_per_mtok: Mapped[Decimal] = mapped_column(Money)
    cny_per_mtok: Mapped[Decimal] = mapped_column(Money)
    #: the rate that made ``cny_per_mtok`` (CNY per unit of ``currency``), the day it is of,
    #: ``ECB`` or ``config``: None for a CNY figure. Kept to the latest sighting of the row.
    fx_rate: Mapped[Decimal | None] = mapped_column(Money)
    fx_date: Mapped[date | None] = mapped_column(Date)
    fx_source: Mapped[str | None] = mapped_column(String(8))
    free: Mapped[bool] = mapped_column(Boolean, default=False)
    limited_time: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    #: what the page says about when the price is charged, beside when it was seen
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    #: the newest snapshot that showed this row (set only to the snapshot being stored)
    last_snapshot_id: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    #: consecutive healthy fetches of the page that did not show this row
    missed: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why the row is held back (a 20x jump, cache hit above input); None for a row in force
    suspect: Mapped[str | None] = mapped_column(Text)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint(
            "type",
            "snapshot_id",
            "provider",
            "model",
            "component",
            "condition",
            "currency",
            name="uq_events_type_snapshot_key",
        ),
        Index("ix_events_occurred_at", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: price_changed, model_added, model_removed, extraction_broken, source_recovered, source_stale
    type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    #: the evidence; none for source_stale (nothing was fetched)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    url: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provider: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    component: Mapped[str] = mapped_column(String(40), default="")
    condition: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    old: Mapped[Decimal | None] = mapped_column(Money)
    new: Mapped[Decimal | None] = mapped_column(Money)
    change_pct: Mapped[Decimal | None] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(Text)
    #: funding_announced / funding_updated: the event's round
    funding_event_id: Mapped[int | None] = mapped_column(ForeignKey("funding_events.id"))
    #: what else a type needs (claim_changed: the claim, old and new status)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RejectRow(Base):
    __tablename__ = "rejects"
    __table_args__ = (UniqueConstraint("snapshot_id", "reason", "raw", name="uq_rejects_snapshot_reason_raw"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    """The outbox: one row per (event, channel), written with its event.

    The unique key is the delivery ledger: a retry or a rerun finds the row
    and never sends twice. The channel URL itself (it carries secrets) stays
    in the configuration; only its hash and a redacted label are stored.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("event_id", "channel_key", name="uq_alerts_event_channel"),
        Index("ix_alerts_status_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    channel_key: Mapped[str] = mapped_column(String(32))
    channel_label: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(100))
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    #: pending; sending (in flight, or its outcome unknown: re-sent with the same message id); sent
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: the id of the message that carries it (the receiver's de-duplication key), set before a send
    message_id: Mapped[str | None] = mapped_column(String(64))
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A named lock held by one process (``host:pid:start``), across processes and hosts; a
    lease that its holder renews (``renewed_at``) and that expires without renewal."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Article(Base):
    """A news item, by its canonical URL; ``story_id`` joins syndicated copies."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    original_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_raw: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the first article of its near-duplicate group
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    #: why no funding report came of it (None when one did)
    no_funding: Mapped[str | None] = mapped_column(Text)


class _Round:
    """The fields of a funding round, as one report states them or as an event settles them."""

    company_name: Mapped[str] = mapped_column(String(200))
    round: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_qualifier: Mapped[str | None] = mapped_column(String(16))
    valuation: Mapped[Decimal | None] = mapped_column(Money)
    valuation_currency: Mapped[str | None] = mapped_column(String(3))
    lead_investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    announced_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="closed")
    #: pre or post (投前 / 投后) where stated
    valuation_basis: Mapped[str | None] = mapped_column(String(8))
    #: the upper end of an amount stated as a range
    amount_high: Mapped[Decimal | None] = mapped_column(Money)


class FundingEvent(_Round, Base):
    """One funding round, however many outlets reported it; fields hold the best-supported values."""

    __tablename__ = "funding_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str] = mapped_column(String(64), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FundingReport(_Round, Base):
    """What one article said about a round (conflicting values are kept per source)."""

    __tablename__ = "funding_reports"
    #: an article may report several rounds (a digest, "B+ and C"), each once
    __table_args__ = (UniqueConstraint("article_id", "funding_event_id", name="uq_funding_reports_article_event"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    funding_event_id: Mapped[int] = mapped_column(ForeignKey("funding_events.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    valuation_qualifier: Mapped[str | None] = mapped_column(String(16))


class ClaimState(Base):
    """A claim's status as last checked; a change of it is a ``claim_changed`` event."""

    __tablename__ = "claim_states"
    claim_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
