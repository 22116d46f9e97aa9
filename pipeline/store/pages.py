"""Storing one fetched page inside a batch's transaction: its snapshot, rejects,
observations (new, changed, missing, removed), events and queued alerts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Event, PriceObservation, RejectRow, Snapshot, Source
from pipeline.extract.changes import Held, change_pct, diff, vanished_components
from pipeline.extract.reconcile import detail as discrepancy_detail
from pipeline.extract.records import Extraction, IngestResult, OutOfOrder, Page, Policy, PriceRow, Reject
from pipeline.extract.sanity import suspects
from pipeline.extract.units import PriceError, convert, fmt
from pipeline.store import reconcile
from pipeline.store.batchwrite import Seen, new_observation, queue_row, queue_seen, settle
from pipeline.store.holdback import HoldBack, key_of
from pipeline.store.outbox import Outbox


class PageWrite(HoldBack):
    """One page being stored: its session, source, snapshot and the events it raises."""

    def __init__(self, session: Session, src: Source, page: Page, outbox: Outbox | None, policy: Policy) -> None:
        self.session, self.src, self.page, self.outbox, self.policy = session, src, page, outbox, policy
        self.at = page.fetched_at.astimezone(UTC)
        self.result = IngestResult(src.name, page.url, "stored")
        self.snap: Snapshot | None = None
        self.stored_rows: list[PriceRow] = []
        self.first = False
        #: the page's snapshot before this one (its suspect rows wait for this fetch to confirm them)
        self.previous: Snapshot | None = None
        #: what ``finish`` records once the snapshot is written: the extraction, or why the fetch failed
        self._outcome: tuple[Extraction | None, str] | None = None

    def store(
        self,
        extract: Callable[[Page], Extraction],
        run_id: int | None,
        warc: tuple[str | None, int | None],
        error: str | None,
    ) -> None:
        """Decide what the page is (unchanged, failed, new rows) and add its new snapshot, if any."""
        s, page, at = self.session, self.page, self.at
        sha = hashlib.sha256(page.body).hexdigest()
        known: dict[tuple[int, str], Snapshot | None] = s.info.get("llmwatch_latest", {})
        if (self.src.id, page.url) in known:  # looked up with the rest of the batch
            latest = known.pop((self.src.id, page.url))
        else:
            latest = s.scalar(self._snapshots().order_by(Snapshot.fetched_at.desc()).limit(1))
        #: the page's first fetch: nothing held, nothing to compare (the common case of a first crawl)
        self.first, self.previous = latest is None, latest
        same_time = latest if latest is not None and latest.fetched_at == at else None
        if latest is not None and at < latest.fetched_at:
            same_time = s.scalar(self._snapshots().where(Snapshot.fetched_at == at))
        if same_time is not None:
            self._done("unchanged", same_time, "already stored (same page, same time)")
            return
        # 304 Not Modified: the server says the page is what was stored last time
        not_modified = page.status == 304 and latest is not None and latest.status != "error"
        if page.status == 304 and not not_modified:
            error = error or "HTTP 304 Not Modified, but no stored copy of the page to reuse"
        failed = error is not None or page.status >= 400 or page.status == 0
        if not failed and latest is not None and (latest.sha256 == sha or not_modified) and latest.status != "error":
            if at > latest.last_seen_at:
                latest.last_seen_at = at
                latest.etag, latest.last_modified = page.etag or latest.etag, page.last_modified or latest.last_modified
                if latest.status == "ok":
                    self.snap = latest
                    self._seen_again()
                    if latest.suspect_rows:  # the same page again: what it showed is confirmed
                        self._confirm(latest)
            why = "not modified (HTTP 304)" if not_modified else "same content as the last fetch"
            self._done("unchanged", latest, f"{why}; not parsed again")
            return
        if latest is not None and at < latest.fetched_at:
            raise OutOfOrder(
                f"{self.src.name}: {page.url} already has a snapshot from {latest.fetched_at:%Y-%m-%dT%H:%M:%SZ}; "
                "ingest older snapshots first (in date order)"
            )
        # read before the snapshot is written, so that it is written once, with its outcome
        extraction = None if failed else extract(page)
        status, rows, note = "error", 0, None
        if extraction is not None:
            rows = len(extraction.rows)
            status, note = ("ok", None) if rows else ("empty", extraction.empty_reason)
        self.snap = snap = Snapshot(
            source_id=self.src.id,
            run_id=run_id,
            url=page.url,
            fetched_at=at,
            last_seen_at=at,
            http_status=page.status,
            sha256=sha,
            size=len(page.body),
            content_type=page.content_type[:200],
            etag=page.etag or None,
            last_modified=page.last_modified or None,
            read_via=page.read_via,
            warc_path=warc[0],
            warc_offset=warc[1],
            status=status,
            row_count=rows,
            note=note,
        )
        s.add(snap)  # written with the other new snapshots of the round, then ``finish``
        self._outcome = (extraction, error or f"HTTP {page.status}")

    def finish(self) -> None:
        """Once the new snapshot has its id: the page's rows, rejects and events."""
        if self._outcome is None:
            return
        (extraction, reason), self._outcome = self._outcome, None
        assert self.snap is not None
        self.result.snapshot_id = self.snap.id
        if not self.first:  # the page's held rows are read next: the batch's writes go first
            settle(self.session)
        current = self._current()
        if extraction is None:
            self._failed(reason, current)
        else:
            self._parsed(extraction, current)

    # --- outcomes ---------------------------------------------------------

    def _failed(self, reason: str, current: list[PriceObservation]) -> None:
        assert self.snap is not None
        self.snap.note = reason
        self.result.status, self.result.message = "error", reason
        self._reject(Reject(f"fetch failed: {reason}"))
        if current:
            self._event("extraction_broken", reason=f"fetch failed: {reason}", failures=self._failures())

    def _parsed(self, extraction: Extraction, current: list[PriceObservation]) -> None:
        snap, result = self.snap, self.result
        assert snap is not None
        for rej in dict.fromkeys(extraction.rejects):  # the same reject twice is one
            self._reject(rej)
        if not extraction.rows:
            snap.status, snap.note = "empty", extraction.empty_reason
            result.status, result.message = "empty", extraction.empty_reason or "nothing extracted"
            if current:
                reason = f"page yielded no rows (it yielded {len(current)} before): {extraction.empty_reason}"
                self._event("extraction_broken", reason=reason, failures=self._failures())
            else:
                self._reject(Reject(extraction.empty_reason or "nothing extracted"))
            return
        snap.status, snap.row_count = "ok", len(extraction.rows)
        result.rows = len(extraction.rows)
        recovered_from = self._failures(before_current=True) if current else 0
        if recovered_from:
            self._event(
                "source_recovered",
                reason=f"page yields rows again after {recovered_from} failed fetches",
                failures=recovered_from,
            )
        healthy = self._check_health(extraction, current)
        self._apply(extraction.rows, current, healthy)
        self.stored_rows = extraction.rows  # compared with other sources once the batch is stored

    def compare_sources(self, shared: set[str]) -> None:
        """Discrepancies on the models (of ``shared``: held by several sources) this page priced."""
        rows = [row for row in self.stored_rows if row.model in shared]
        tolerance = self.policy.discrepancy_pct
        window = self.policy.discrepancy_window
        for found in reconcile.find(self.session, rows, self.src.name, tolerance, self.policy.official, window):
            provider, model, component, condition = found.key
            self._event(
                "price_discrepancy",
                SimpleNamespace(
                    provider=provider, model=model, component=component, condition=condition, currency="CNY"
                ),
                old=found.low,
                new=found.high,
                pct=found.spread_pct,
                detail=discrepancy_detail(found, tolerance),
            )

    def _check_health(self, extraction: Extraction, current: list[PriceObservation]) -> bool:
        """Rows fell sharply, or many cells were unreadable: a broken extraction, not a market change."""
        rows, rejects, p = len(extraction.rows), len(extraction.rejects), self.policy
        previous = None
        if not self.first:
            previous = self.session.scalar(
                self._snapshots()
                .where(Snapshot.status == "ok", Snapshot.id != self.snap.id)  # type: ignore[union-attr]
                .order_by(Snapshot.fetched_at.desc())
                .limit(1)
            )
        problems = []
        if previous is not None and rows < previous.row_count * (1 - p.max_drop_pct / 100):
            problems.append(f"rows fell from {previous.row_count} to {rows}")
        if rejects >= 3 and Decimal(rejects) / (rows + rejects) > p.max_reject_rate:
            problems.append(f"{rejects} of {rows + rejects} price cells could not be read")
        vanished = vanished_components([o.component for o in current], extraction.rows)
        if vanished:
            problems.append(f"the {', '.join(vanished)} column{'s' if len(vanished) > 1 else ''} vanished")
        if problems:
            self._event("extraction_broken", reason="; ".join(problems))
        # rows missing from a page whose rows collapsed or lost a column are not counted toward removal
        return not any(p.startswith(("rows fell", "the ")) for p in problems)

    def _apply(self, rows: list[PriceRow], current: list[PriceObservation], healthy: bool) -> None:
        snap, at = self.snap, self.at
        assert snap is not None
        baseline = not current and not self._had_rows()
        by_key = {key_of(o): o for o in current}
        held = {k: Held(k, o.amount_per_mtok, o.missed) for k, o in by_key.items()}
        changes = diff(held, rows, self.policy.removal_after)
        flagged = suspects(rows, held, self._pending)
        if flagged:
            changes.added = [r for r in changes.added if not self._held_back(r, flagged, None)]
            changes.changed = [(o, r) for o, r in changes.changed if not self._held_back(r, flagged, o.amount)]
        for row in changes.added:
            self._observe(row)
            if not baseline:
                self._event("model_added", row, new=row.amount_per_mtok)
        for old, row in changes.changed:
            obs = by_key[old.key]
            # a price announced for later: the old one stays in force until then
            starts = row.effective_from if row.effective_from and row.effective_from > at else None
            obs.current, obs.ended_at = False, starts or at
            self._observe(row)
            pct = change_pct(old.amount, row.amount_per_mtok)
            when = {"effective_from": starts.isoformat().replace("+00:00", "Z")} if starts else None
            self._event("price_changed", row, old=old.amount, new=row.amount_per_mtok, pct=pct, detail=when)
        for old, row in changes.same:
            obs = by_key[old.key]
            obs.last_seen, obs.last_snapshot_id, obs.missed = at, snap.id, 0
            # the same price converted at this fetch's rate, not the rate of the day it was first seen
            obs.cny_per_mtok, obs.fx_rate, obs.fx_date, obs.fx_source = row.cny_per_mtok, *row.fx
            # an unchanged price is already in force (a new start date is for the others); an offer's
            # end the page now gives is kept, and a page that stops repeating it does not erase it
            obs.effective_to = row.effective_to or obs.effective_to
        if not healthy:
            return
        for old in changes.missing:
            by_key[old.key].missed += 1
        for old in changes.removed:
            obs = by_key[old.key]
            obs.missed, obs.current, obs.ended_at = obs.missed + 1, False, at
            self._event("model_removed", obs, old=obs.amount_per_mtok)

    def _seen_again(self) -> None:
        """An identical body is another healthy fetch: marked with the batch's others (``settle``)."""
        assert self.snap is not None
        queue_seen(
            self.session, Seen(self.src.id, self.page.url, self.at, self.snap.id, self._missing_again, self._reconvert)
        )

    def _missing_again(self, obs: PriceObservation) -> None:
        """A row the page lacked last time and lacks again: removed after ``removal_after`` fetches."""
        obs.missed += 1
        if obs.missed >= self.policy.removal_after:
            obs.current, obs.ended_at = False, self.at
            self._event("model_removed", obs, old=obs.amount_per_mtok)

    def _reconvert(self, obs: PriceObservation) -> None:
        """A foreign figure seen again: its CNY at the rate of this fetch (the row says which)."""
        try:
            cny, rate = convert(obs.amount_per_mtok, obs.currency, self.at.date(), self.policy.rates)
        except PriceError:
            return  # no rate for that currency: the stored conversion stands
        if rate is not None and (rate.value, rate.on) != (obs.fx_rate, obs.fx_date):
            obs.cny_per_mtok, obs.fx_rate, obs.fx_date, obs.fx_source = (
                Decimal(fmt(cny)),
                rate.value,
                rate.on,
                rate.source,
            )

    # --- helpers ----------------------------------------------------------

    def _done(self, status: str, snap: Snapshot, message: str) -> None:
        self.result.status, self.result.snapshot_id, self.result.message = status, snap.id, message

    def _snapshots(self) -> Any:
        return select(Snapshot).where(Snapshot.source_id == self.src.id, Snapshot.url == self.page.url)

    def _current(self) -> list[PriceObservation]:
        if self.first:
            return []
        return list(
            self.session.scalars(
                select(PriceObservation).where(
                    PriceObservation.source_id == self.src.id,
                    PriceObservation.url == self.page.url,
                    PriceObservation.current.is_(True),
                )
            )
        )

    def _had_rows(self) -> bool:
        assert self.snap is not None
        if self.first:
            return False
        stmt = self._snapshots().where(Snapshot.status == "ok", Snapshot.id != self.snap.id).limit(1)
        return self.session.scalar(stmt) is not None

    def _failures(self, *, before_current: bool = False) -> int:
        """Consecutive failed or empty fetches of this page, newest first (this one included unless asked)."""
        assert self.snap is not None
        recent = self.session.scalars(self._snapshots().order_by(Snapshot.fetched_at.desc()).limit(50))
        count = 0
        for snap in recent:
            if snap.id == self.snap.id and before_current:
                continue
            if snap.status == "ok":
                break
            count += 1
        return count

    def _observe(self, row: PriceRow, suspect: str | None = None) -> None:
        assert self.snap is not None
        queue_row(self.session, new_observation(self.src.id, self.snap, row, suspect))  # written by ``settle``

    def _event(
        self,
        kind: str,
        row: PriceRow | PriceObservation | SimpleNamespace | None = None,
        *,
        old: Decimal | None = None,
        new: Decimal | None = None,
        pct: Decimal | None = None,
        reason: str | None = None,
        failures: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        snap = self.snap
        assert snap is not None
        ev = Event(
            type=kind,
            source_id=self.src.id,
            snapshot_id=snap.id,
            url=snap.url,
            occurred_at=self.at,
            old=old,
            new=new,
            change_pct=pct,
            reason=reason,
            detail=detail,
        )
        if row is not None:
            ev.provider, ev.model, ev.component = row.provider, row.model, row.component
            ev.condition, ev.currency = row.condition or "", row.currency
        self.session.add(ev)
        self.session.flush()
        self.result.events.append(
            {
                "type": kind,
                "id": ev.id,
                "model": ev.model,
                "component": ev.component,
                "old": old,
                "new": new,
                "reason": reason,
            }
        )
        if self.outbox is not None:
            self.result.alerts += self.outbox.queue(self.session, ev, self.src.name, failures=failures)

    def _reject(self, rej: Reject) -> None:
        snap = self.snap
        assert snap is not None
        self.result.rejects += 1
        self.session.add(
            RejectRow(
                source_id=self.src.id,
                snapshot_id=snap.id,
                url=snap.url,
                reason=rej.reason[:2000],
                raw=rej.raw[:500],
                created_at=datetime.now(UTC),
            )
        )
