"""Statement builders: every query the CLI runs, built here, executed elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from db.models import Event, FundingReport, PriceObservation, RejectRow, Snapshot, Source


def literal(text: str) -> str:
    """``text`` for a LIKE pattern, matched as written: ``%`` and ``_`` are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prices(
    *, provider: str | None = None, model: str | None = None, at: datetime | None = None, source: str | None = None
) -> Select[PriceObservation, str]:
    """Prices in force now (or at ``at``), one row per source, page and key.

    In force: seen by then (or, for a price the page announced for later, its start
    passed), not replaced by then, and not past the end the page gave it.
    """
    obs = PriceObservation
    at = at or datetime.now(UTC)
    starts = case((obs.effective_from > obs.first_seen, obs.effective_from), else_=obs.first_seen)
    stmt = (
        select(obs, Source.name)
        .join(Source, Source.id == obs.source_id)
        .where(
            starts <= at,
            obs.suspect.is_(None),  # held back until a healthy fetch confirms it
            or_(obs.ended_at.is_(None), obs.ended_at > at),
            or_(obs.effective_to.is_(None), obs.effective_to > at),
            ~no_longer_shown(at),
        )
    )
    if provider:
        stmt = stmt.where(PriceObservation.provider == provider)
    if model:
        stmt = stmt.where(PriceObservation.model.ilike(f"%{literal(model)}%", escape="\\"))
    if source:
        stmt = stmt.where(Source.name == source)
    return stmt.order_by(
        PriceObservation.provider,
        PriceObservation.model,
        PriceObservation.component,
        PriceObservation.condition,
        Source.name,
        PriceObservation.currency,
    )


def no_longer_shown(at: datetime) -> ColumnElement[bool]:
    """A newer healthy fetch of the row's page, by ``at``, did not show its key at all: the
    page no longer has it, whatever ``removal_after`` decides about a ``model_removed`` event.
    A key the fetch shows at another price (a change, or a slip held back as suspect) is not
    gone; a fetch whose extraction broke (``extraction_broken``) is no evidence either way."""
    obs, later, other = PriceObservation, aliased(Snapshot), aliased(PriceObservation)
    broken = (
        select(Event.id).where(Event.snapshot_id == later.id, Event.type == "extraction_broken").correlate_except(Event)
    )
    shown = (
        select(other.id)
        .correlate_except(other)
        .where(
            other.source_id == obs.source_id,
            other.url == obs.url,
            other.provider == obs.provider,
            other.model == obs.model,
            other.component == obs.component,
            other.condition == obs.condition,
            other.currency == obs.currency,
            other.first_seen <= later.fetched_at,
            other.last_seen >= later.fetched_at,
        )
    )
    return (
        select(later.id)
        .correlate_except(later)
        .where(
            later.source_id == obs.source_id,
            later.url == obs.url,
            later.status == "ok",
            later.fetched_at > obs.last_seen,
            later.fetched_at <= at,
            ~broken.exists(),
            ~shown.exists(),
        )
        .exists()
    )


def events(
    *,
    type_: str | None = None,
    provider: str | None = None,
    since: datetime | None = None,
    source: str | None = None,
    model: str | None = None,
    newest: int | None = None,
) -> Select[Event, str, str | None]:
    """Events oldest first; ``newest``: only the latest N (still oldest first)."""
    stmt = (
        select(Event, Source.name, Snapshot.warc_path)
        .join(Source, Source.id == Event.source_id)
        .outerjoin(Snapshot, Snapshot.id == Event.snapshot_id)
    )
    if type_:
        stmt = stmt.where(Event.type == type_)
    if provider:
        stmt = stmt.where(Event.provider == provider)
    if since:
        stmt = stmt.where(Event.occurred_at >= since)
    if source:
        stmt = stmt.where(Source.name == source)
    if model:
        stmt = stmt.where(Event.model.ilike(f"%{literal(model)}%", escape="\\"))
    if newest:
        latest = stmt.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(newest).subquery()
        wanted = aliased(Event, latest)
        return select(wanted, latest.c.name, latest.c.warc_path).order_by(wanted.occurred_at, wanted.id)
    return stmt.order_by(Event.occurred_at, Event.id)


def history(model: str, *, component: str | None = None) -> Select[PriceObservation, str]:
    """Every price period of a model, across sources, oldest first."""
    stmt = (
        select(PriceObservation, Source.name)
        .join(Source, Source.id == PriceObservation.source_id)
        .where(func.lower(PriceObservation.model) == model.lower(), PriceObservation.suspect.is_(None))
    )
    if component:
        stmt = stmt.where(PriceObservation.component == component)
    return stmt.order_by(
        PriceObservation.first_seen, PriceObservation.component, PriceObservation.condition, Source.name
    )


def validators(sources: list[str]) -> Select[str, str | None, str | None]:
    """URL -> the ETag and Last-Modified of its newest stored (not failed) snapshot."""
    newest = (
        select(Snapshot.url, func.max(Snapshot.fetched_at).label("at"))
        .join(Source, Source.id == Snapshot.source_id)
        .where(Source.name.in_(sources), Snapshot.status != "error")
        .group_by(Snapshot.url)
        .subquery()
    )
    return (
        select(Snapshot.url, Snapshot.etag, Snapshot.last_modified)
        .join(newest, and_(newest.c.url == Snapshot.url, newest.c.at == Snapshot.fetched_at))
        .where(or_(Snapshot.etag.is_not(None), Snapshot.last_modified.is_not(None)))
    )


def last_snapshots() -> Select[Snapshot, str]:
    """The newest snapshot of every (source, url)."""
    newest = (
        select(Snapshot.source_id, Snapshot.url, func.max(Snapshot.fetched_at).label("at"))
        .group_by(Snapshot.source_id, Snapshot.url)
        .subquery()
    )
    return (
        select(Snapshot, Source.name)
        .join(Source, Source.id == Snapshot.source_id)
        .join(
            newest,
            and_(
                newest.c.source_id == Snapshot.source_id,
                newest.c.url == Snapshot.url,
                newest.c.at == Snapshot.fetched_at,
            ),
        )
        .order_by(Source.name, Snapshot.url)
    )


def current_counts() -> Select[str, int]:
    return (
        select(Source.name, func.count(PriceObservation.id))
        .join(PriceObservation, PriceObservation.source_id == Source.id)
        .where(PriceObservation.current.is_(True))
        .group_by(Source.name)
    )


def reject_counts() -> Select[str, int]:
    return (
        select(Source.name, func.count(RejectRow.id))
        .join(RejectRow, RejectRow.source_id == Source.id)
        .group_by(Source.name)
    )


def rejects(*, source: str | None = None) -> Select[RejectRow, str]:
    stmt = select(RejectRow, Source.name).join(Source, Source.id == RejectRow.source_id)
    if source:
        stmt = stmt.where(Source.name == source)
    return stmt.order_by(RejectRow.id)


def last_event_of(type_: str) -> Select[str, datetime]:
    """Per source, when it last had an event of this type."""
    return (
        select(Source.name, func.max(Event.occurred_at))
        .join(Event, Event.source_id == Source.id)
        .where(Event.type == type_)
        .group_by(Source.name)
    )


def data_version() -> Select:
    """One row that changes whenever anything a page of the report shows does: a page fetched
    (or fetched again), a price, an event, a funding report (``llmwatch serve``'s cache key)."""
    return select(
        select(func.max(Snapshot.id)).scalar_subquery(),
        select(func.max(Snapshot.last_seen_at)).scalar_subquery(),
        select(func.max(PriceObservation.id)).scalar_subquery(),
        select(func.max(PriceObservation.last_seen)).scalar_subquery(),
        select(func.max(Event.id)).scalar_subquery(),
        select(func.max(FundingReport.id)).scalar_subquery(),
    )
