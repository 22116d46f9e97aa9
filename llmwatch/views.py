"""The records people and programs see, built once: the CLI, the static
report and the JSON API show the same thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from llmwatch.config import Settings

if TYPE_CHECKING:
    from pipeline.extract.fx import Rates


def prices_view(
    s: Session,
    *,
    provider: str | None = None,
    model: str | None = None,
    at: datetime | None = None,
    source: str | None = None,
    best: bool = False,
    limits: Any = None,
    rates: Rates | None = None,
) -> list[dict[str, Any]]:
    """``best``: one row per price: the most authoritative source's, in the provider's own
    currency before a conversion of it, the newest evidence first. ``limits``
    (``freshness.Limits``): each row's ``seen`` by then and whether it is ``stale``.
    ``rates`` with ``at``: every foreign figure in CNY at the rate of the day it was last
    seen by then (without ``at``, each row holds the conversion of its latest sighting)."""
    from crawler import catalog
    from db import queries
    from llmwatch.records import observation
    from pipeline.extract.bands import applies

    records = [
        observation(obs, name)
        for obs, name in s.execute(queries.prices(provider=provider, model=model, at=at, source=source)).all()
    ]
    if at is not None:  # a peak or off-peak row counts only in its own hours
        records = [r for r in records if applies(r["condition"], at) is not False]
    for rec in records:
        rec["authority"] = catalog.authority(rec["source"], rec["provider"])
        rec["official"] = rec["authority"] >= 3
        rec["role"] = "official" if rec["official"] else "reference"
    # per key: the provider's own page first (authoritative, the rest are reference); a CNY
    # figure before the same price converted from USD; the newest evidence first
    records.sort(
        key=lambda r: (
            _price_key(r),
            -r["authority"],
            r["currency"] != "CNY",
            -r["last_seen"].timestamp(),
            r["source"],
            r["url"],
        )
    )
    if best:
        records = [r for i, r in enumerate(records) if i == 0 or _price_key(records[i - 1]) != _price_key(r)]
    if limits is not None:
        from llmwatch import freshness

        freshness.mark(s, records, limits, at)
    if rates is not None and at is not None:
        from pipeline.extract.units import PriceError, convert

        for rec in records:
            if rec["currency"] == "CNY":
                continue
            try:
                cny, rate = convert(rec["amount_per_mtok"], rec["currency"], _day(rec), rates)
            except PriceError:
                continue  # no rate for that currency: the stored conversion stands
            if rate is not None:
                rec |= {"cny_per_mtok": cny, "fx_rate": rate.value, "fx_date": rate.on, "fx_source": rate.source}
    return records


def _day(rec: dict[str, Any]) -> Any:
    return (rec.get("seen") or rec["last_seen"]).date()


def _price_key(rec: dict[str, Any]) -> tuple[str, str, str, str]:
    return (rec["provider"], rec["model"], rec["component"], rec["condition"] or "")


def events_view(
    s: Session,
    *,
    type_: str | None = None,
    provider: str | None = None,
    since: datetime | None = None,
    source: str | None = None,
    model: str | None = None,
    newest: int | None = None,
) -> list[dict[str, Any]]:
    from db import queries
    from pipeline.extract.alerts import describe
    from pipeline.store.outbox import event_record

    rows = s.execute(
        queries.events(type_=type_, provider=provider, since=since, source=source, model=model, newest=newest)
    ).all()
    records = [event_record(ev, name, warc, funding_of(s, ev)) for ev, name, warc in rows]
    for rec in records:
        rec["summary"] = describe(rec)
    return records


def funding_view(
    s: Session, *, company: str | None = None, since: datetime | None = None, names: Any = None
) -> list[dict[str, Any]]:
    from db.models import FundingEvent
    from pipeline.store.news import funding_record

    stmt = select(FundingEvent).order_by(FundingEvent.announced_on, FundingEvent.id)
    if company:
        stmt = stmt.where(FundingEvent.company == company)
    if since is not None:
        stmt = stmt.where(FundingEvent.announced_on >= since.date())
    records = [funding_record(s, fe, names) for fe in s.scalars(stmt)]
    for rec in records:
        rec["source_count"] = len(rec["sources"])
    return records


def claims_view(cfg: Settings, s: Session, *, at: datetime | None = None) -> list[dict[str, Any]]:
    from pipeline.store import claims as ledger

    return [ledger.record(s, c, at=at, rates=cfg.rates) for c in ledger.load(cfg.claim_files)]


def funding_of(s: Session, ev: Any) -> dict[str, Any] | None:
    """The round a funding event is about, with its sources."""
    if ev.funding_event_id is None:
        return None
    from db.models import FundingEvent
    from pipeline.store.news import funding_record

    fe = s.get(FundingEvent, ev.funding_event_id)
    return funding_record(s, fe) if fe is not None else None


def sources_view(cfg: Settings, s: Session) -> list[dict[str, Any]]:
    """Every source with its schedule, last success and error, and health; its URLs as
    configured (``[crawl.urls]`` mirrors, ``[news] feeds``), else its own."""
    from crawler import catalog
    from db import queries
    from llmwatch.freshness import Limits

    limits = Limits.of(cfg)
    snaps = s.execute(queries.last_snapshots()).all()
    stale = dict(s.execute(queries.last_event_of("source_stale")).all())
    counts = dict(s.execute(queries.current_counts()).all())
    rejects = dict(s.execute(queries.reject_counts()).all())
    pages: dict[str, list[Any]] = {}
    for snap, name in snaps:
        pages.setdefault(name, []).append(snap)
    try:
        from llmwatch.scheduler import job_specs

        plans = {spec.source: spec.describe for spec in job_specs(cfg)}
    except ValueError as exc:  # a bad [schedule] must not hide the sources
        plans = {name: f"(schedule error: {exc})" for name in catalog.cards()}
    configured: dict[str, list[str]] = {**(cfg.crawl.get("urls") or {})}
    if cfg.raw.get("news", {}).get("feeds") and "news" not in configured:
        configured["news"] = list(cfg.raw["news"]["feeds"])
    records = []
    for name, spider in catalog.cards().items():
        latest = pages.get(name, [])
        ok = [p for p in latest if p.status == "ok"]
        bad = [p for p in latest if p.status != "ok"]
        records.append(
            {
                "source": name,
                "kind": spider.kind,
                # a parser built from documented structure stays experimental until a crawl reads a real page
                "status": "experimental" if spider.experimental and not any(p.run_id for p in ok) else "stable",
                "schedule": plans.get(name, "not scheduled"),
                "health": health(latest, stale.get(name), limits(name)),
                "pages": len(latest),
                "last_fetched": max((p.last_seen_at for p in latest), default=None),
                "last_success": max((p.last_seen_at for p in ok), default=None),
                "last_error": max(bad, key=lambda p: p.fetched_at).note if bad else None,
                "items_last_run": sum(p.row_count for p in latest),
                "problems": [f"{p.url}: {p.note}" for p in bad],
                "prices": counts.get(name, 0),
                "rejects": rejects.get(name, 0),
                "urls": list(configured.get(name) or spider.start_urls),
                "description": spider.description,
            }
        )
    return records


def health(latest: list[Any], stale_at: Any = None, limit: timedelta | None = None) -> str:
    """ok, never fetched, stale, or what is wrong with how many of the source's pages. Stale:
    no successful fetch within ``limit`` of now (the schedule's interval × stale_after_intervals)."""
    from llmwatch.freshness import age_label

    if not latest:
        return "never fetched"
    if stale_at is not None and stale_at > max(p.last_seen_at for p in latest):
        return f"stale since {stale_at:%Y-%m-%d %H:%M}Z"
    success = max((p.last_seen_at for p in latest if p.status == "ok"), default=None)
    now = datetime.now(UTC)
    if limit is not None and success is not None and now - success > limit:
        return f"stale: last success {age_label(now - success)} ago (limit {age_label(limit)})"
    failing = sum(p.status == "error" for p in latest)
    empty = sum(p.status == "empty" for p in latest)
    if failing:
        return f"failing: {failing} of {len(latest)} pages"
    if empty:
        return f"no rows: {empty} of {len(latest)} pages"
    return "ok"
