"""Suspect rows held back (``pipeline.extract.sanity``), in the storer's room: stored with
their reason and not in force, a ``price_suspect`` event, and confirmed by the
page's next healthy fetch that shows them again (a changed body through
``sanity.suspects``'s ``pending``; an unchanged one or a 304 here)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import PriceObservation, Snapshot
from pipeline.extract.changes import Key, change_pct
from pipeline.extract.records import PriceRow
from pipeline.store.batchwrite import settle

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


def key_of(obs: PriceObservation) -> Key:
    return (obs.provider, obs.model, obs.component, obs.condition, obs.currency)


class HoldBack:
    """What ``PageWrite`` does with suspect rows; it calls the page's ``_observe``, ``_event``
    and ``_current``."""

    session: Session
    snap: Snapshot | None
    previous: Snapshot | None
    at: datetime
    _observe: Callable[..., None]
    _event: Callable[..., None]
    _current: Callable[[], list[PriceObservation]]

    def _held_back(self, row: PriceRow, flagged: dict[Key, str], old: Decimal | None) -> bool:
        """A suspect row: stored with its reason, not in force, a ``price_suspect`` event."""
        reason = flagged.get(row.key)
        if reason is None:
            return False
        assert self.snap is not None
        self._observe(row, suspect=reason)
        self.snap.suspect_rows += 1
        self._event("price_suspect", row, old=old, new=row.amount_per_mtok, reason=reason)
        return True

    def _pending(self) -> dict[Key, Decimal]:
        """The suspect rows of the page's previous snapshot, by key (read only when a row is suspect)."""
        if self.previous is None or not self.previous.suspect_rows:
            return {}
        return {key_of(o): o.amount_per_mtok for o in self._suspect_rows(self.previous)}

    def _suspect_rows(self, snap: Snapshot) -> list[PriceObservation]:
        obs = PriceObservation
        return list(self.session.scalars(select(obs).where(obs.snapshot_id == snap.id, obs.suspect.is_not(None))))

    def _confirm(self, snap: Snapshot) -> None:
        """An unchanged fetch of a page with suspect rows: they are its prices after all."""
        settle(self.session)
        current = {key_of(o): o for o in self._current()}
        for obs in self._suspect_rows(snap):
            before = current.get(key_of(obs))
            obs.suspect, obs.current, obs.last_seen, obs.last_snapshot_id = None, True, self.at, snap.id
            obs.first_seen = self.at  # in force from the fetch that confirmed it
            if before is None:
                self._event("model_added", obs, new=obs.amount_per_mtok)
                continue
            before.current, before.ended_at = False, self.at
            pct = change_pct(before.amount_per_mtok, obs.amount_per_mtok)
            self._event("price_changed", obs, old=before.amount_per_mtok, new=obs.amount_per_mtok, pct=pct)
        snap.suspect_rows = 0
