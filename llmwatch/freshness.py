"""How old a price's evidence is, and whether it is too old to count as current.

A source is expected to be fetched on its schedule; evidence older than
``[health] stale_after_intervals`` of its interval is stale (the page may have
changed since). With ``--at T`` the evidence is what was seen at or before T.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from llmwatch.config import Settings, scheduled_every


@dataclass(frozen=True)
class Limits:
    """How old a source's evidence may be: its interval times ``stale_after_intervals``."""

    default: timedelta
    by_source: dict[str, timedelta] = field(default_factory=dict)

    @classmethod
    def of(cls, cfg: Settings) -> Limits:
        from crawler import catalog
        from pipeline.extract.dates import duration

        times = int(cfg.raw["health"]["stale_after_intervals"])
        sched = cfg.raw["schedule"]
        default = duration(str(sched["pricing"])) * times
        if any((own or {}).get("cron") for own in (sched.get("sources") or {}).values()):
            from llmwatch.scheduler import job_specs  # a cron line's interval is APScheduler's to find

            try:
                specs = job_specs(cfg)
            except ValueError:  # a bad [schedule] is reported by `sources`; the defaults hold here
                specs = []
            return cls(default, {s.source: s.interval * times for s in specs})
        return cls(
            default,
            {name: duration(scheduled_every(sched, name, s.kind)) * times for name, s in catalog.cards().items()},
        )

    def __call__(self, source: str) -> timedelta:
        return self.by_source.get(source, self.default)


def age_label(delta: timedelta) -> str:
    """``45 min``, ``5 h``, ``3 d``, ``4 mo``, ``2 y``: how long ago, as people say it."""
    seconds = max(0, int(delta.total_seconds()))
    days = seconds / 86400
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    if days < 60:
        return f"{int(days)} d"
    if days < 730:
        return f"{int(days // 30.44)} mo"
    return f"{int(days // 365.25)} y"


def mark(s: Session, records: Iterable[dict[str, Any]], limits: Limits, at: datetime | None = None) -> None:
    """Give each price record ``seen`` (its latest sighting at or before ``at``, or now) and
    ``stale`` (older than its source's limit at that moment)."""
    records = list(records)
    moment = at or datetime.now(UTC)
    fetched = _fetches(s, records, moment) if at is not None else {}
    for rec in records:
        seen = rec["last_seen"]
        if at is not None and seen > moment:  # seen again after T: the last fetch by T that showed it
            times = fetched.get((rec["source"], rec["url"]), [])
            i = bisect_right(times, moment)
            seen = times[i - 1] if i and times[i - 1] >= rec["first_seen"] else rec["first_seen"]
        rec["seen"] = seen
        rec["stale"] = moment - seen > limits(rec["source"])
        if at is not None:  # the table as it stood at T: nothing from after it
            rec["last_seen"] = rec["fetched_at"] = seen
            if rec["ended_at"] is not None and rec["ended_at"] > moment:
                rec["ended_at"] = None


def _fetches(s: Session, records: list[dict[str, Any]], moment: datetime) -> dict[tuple[str, str], list[datetime]]:
    """Each page's healthy fetches by ``moment``: a new body's, and an identical body's again."""
    from db.bulk import one_of
    from db.models import Snapshot, Source

    urls = {rec["url"] for rec in records}
    out: dict[tuple[str, str], list[datetime]] = {}
    if not urls:
        return out
    rows = s.execute(
        select(Source.name, Snapshot.url, Snapshot.fetched_at, Snapshot.last_seen_at)
        .join(Source, Source.id == Snapshot.source_id)
        .where(one_of(s, Snapshot.url, urls), Snapshot.fetched_at <= moment, Snapshot.status == "ok")
    ).all()
    for name, url, first, again in rows:
        out.setdefault((name, url), []).extend([first] + ([again] if again <= moment else []))
    for times in out.values():
        times.sort()
    return out
