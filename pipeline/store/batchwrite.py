"""What the pages of one batch leave to be written together.

Storing a page queues its new observations, and an unchanged page queues the
marking of its rows as seen again; ``settle`` writes both for the whole batch
in one statement each (executemany, or COPY on PostgreSQL). Per page, the ORM's
bookkeeping and the round trips to a database server cost more than the writes
themselves. A page that reads its held rows settles the batch first, so later
pages of the batch see what earlier ones wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from db.bulk import insert_rows, one_of
from db.models import PriceObservation, Snapshot
from pipeline.extract.records import PriceRow

_ROWS, _SEEN = "llmwatch_new_rows", "llmwatch_seen_again"
_HELD: Table = PriceObservation.__table__  # type: ignore[assignment]
# (bound names must differ from the columns an UPDATE sets)
_MARK_SEEN = (
    update(_HELD)
    .where(
        _HELD.c.source_id == bindparam("b_src"),
        _HELD.c.url == bindparam("b_url"),
        _HELD.c.current.is_(True),
        _HELD.c.missed == 0,
    )
    .values(last_seen=bindparam("b_at"), last_snapshot_id=bindparam("b_snap"))
)


class Seen(NamedTuple):
    """An unchanged page fetched again: its rows are seen at ``at`` in snapshot ``snapshot_id``."""

    source_id: int
    url: str
    at: datetime
    snapshot_id: int
    #: called with each current row the page lacked before and lacks again
    lacking: Callable[[PriceObservation], None]
    #: called with each current row in a foreign currency: converted at this fetch's rate
    reconvert: Callable[[PriceObservation], None]


def new_observation(source_id: int, snap: Snapshot, row: PriceRow, suspect: str | None) -> dict[str, Any]:
    """The values of the observation a row of ``snap``'s page starts (held back with ``suspect``)."""
    return dict(
        source_id=source_id,
        url=snap.url,
        provider=row.provider,
        model=row.model,
        component=row.component,
        condition=row.condition or "",
        currency=row.currency,
        amount_per_mtok=row.amount_per_mtok,
        cny_per_mtok=row.cny_per_mtok,
        fx_rate=row.fx_rate,
        fx_date=row.fx_date,
        fx_source=row.fx_source,
        free=row.free,
        limited_time=row.limited_time,
        raw=row.raw[:500],
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        first_seen=snap.fetched_at,
        last_seen=snap.fetched_at,
        snapshot_id=snap.id,
        last_snapshot_id=snap.id,
        current=suspect is None,
        missed=0,
        suspect=suspect,
    )


def queue_row(session: Session, row: dict[str, Any]) -> None:
    session.info.setdefault(_ROWS, []).append(row)


def queue_seen(session: Session, seen: Seen) -> None:
    session.info.setdefault(_SEEN, []).append(seen)


def settle(session: Session) -> None:
    """Write what the batch's pages queued so far, in this transaction."""
    rows = session.info.pop(_ROWS, None)
    if rows:
        insert_rows(session, _HELD, rows)
    seen: list[Seen] | None = session.info.pop(_SEEN, None)
    if not seen:
        return
    params = [{"b_src": s.source_id, "b_url": s.url, "b_at": s.at, "b_snap": s.snapshot_id} for s in seen]
    session.connection().execute(_MARK_SEEN, params)
    pages = {(s.source_id, s.url): s for s in seen}
    obs = PriceObservation
    for source_id in {s.source_id for s in seen}:  # (source_id, url, current) is the index to use
        urls = {url for src, url in pages if src == source_id}
        lacking = select(obs).where(
            obs.source_id == source_id, one_of(session, obs.url, urls), obs.current.is_(True), obs.missed > 0
        )
        for row in session.scalars(lacking):
            pages[source_id, row.url].lacking(row)
        foreign = select(obs).where(
            obs.source_id == source_id, one_of(session, obs.url, urls), obs.current.is_(True), obs.currency != "CNY"
        )
        for row in session.scalars(foreign):
            pages[source_id, row.url].reconvert(row)
