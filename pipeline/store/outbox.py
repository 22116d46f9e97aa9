"""The outbox: alerts are written in the same transaction as their event.

``Outbox.queue`` is called by the store for every event it creates; the
delivery side (``llmwatch.delivery``) sends what is pending. The unique
(event, channel) key is the ledger that keeps a retry from sending twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Alert, Event
from pipeline.extract.alerts import Rule, plan

PAGE_PROBLEMS = {"extraction_broken"}


def channel_key(url: str) -> str:
    """A stable id for a channel that reveals nothing of its URL's secrets."""
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def event_record(
    ev: Event, source: str, warc_path: str | None = None, funding: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An event in the shape of ``contracts.md`` (``funding``: the round, for funding events)."""
    out: dict[str, Any] = {
        "type": ev.type,
        "id": ev.id,
        "occurred_at": ev.occurred_at,
        "source": source,
        "url": ev.url or None,
        "snapshot": ev.snapshot_id,
    }
    if ev.type in ("price_changed", "model_added", "model_removed", "price_discrepancy", "price_suspect"):
        out.update(
            provider=ev.provider,
            model=ev.model,
            component=ev.component,
            condition=ev.condition or None,
            currency=ev.currency,
        )
    if ev.type in ("price_changed", "model_added", "model_removed"):
        if ev.type in ("price_changed", "model_removed"):
            out["old"] = ev.old
        if ev.type in ("price_changed", "model_added"):
            out["new"] = ev.new
        if ev.type == "price_changed":
            out["change_pct"] = ev.change_pct
            out["effective_from"] = (ev.detail or {}).get("effective_from")
    elif ev.type == "price_suspect":
        out.update(old=ev.old, new=ev.new, reason=ev.reason)
    elif ev.type == "price_discrepancy":
        detail = ev.detail or {}
        out.update(
            low=ev.old,
            high=ev.new,
            spread_pct=ev.change_pct,
            tolerance_pct=detail.get("tolerance_pct"),
            official=detail.get("official"),
            values=detail.get("values", []),
        )
    elif ev.type.startswith("funding_"):
        out.update({k: v for k, v in (funding or {}).items() if k != "kind"})
        if ev.reason:
            out["reason"] = ev.reason
    else:
        out["reason"] = ev.reason
        out.update(ev.detail or {})  # claim_changed: claim, old, new, text
    out["archive"] = warc_path
    return out


class Outbox:
    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        failures_before_alert: int = 2,
        label: Callable[[str], str] = lambda url: url.split("://", 1)[0] + "://…",
    ) -> None:
        self.rules = list(rules)
        self.failures_before_alert = failures_before_alert
        self.label = label

    def queue(
        self,
        session: Session,
        ev: Event,
        source: str,
        *,
        failures: int | None = None,
        funding: dict[str, Any] | None = None,
    ) -> int:
        """Write the alerts ``ev`` calls for; returns how many.

        ``failures`` is the page's run of consecutive failed fetches (for
        extraction_broken), or the run it recovered from (source_recovered):
        a page alerts when the run reaches the threshold, and once more when
        it recovers from one that did.
        """
        if not self.rules:
            return 0
        if ev.type in PAGE_PROBLEMS and failures is not None and failures != self.failures_before_alert:
            return 0
        if ev.type == "source_recovered" and (failures or 0) < self.failures_before_alert:
            return 0
        record = event_record(ev, source, funding=funding)
        now = datetime.now(UTC)
        count = 0
        for rule, url in plan(self.rules, record):
            session.add(
                Alert(
                    event_id=ev.id,
                    channel_key=channel_key(url),
                    channel_label=self.label(url)[:200],
                    rule=rule.name[:100],
                    digest=rule.digest,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            count += 1
        return count
