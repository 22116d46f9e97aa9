"""Storing one news article: URL de-duplication, its story (near-duplicate
text), its funding report, and the funding event it joins or starts.

One transaction per article. ``funding_announced`` when a round is first
seen; ``funding_updated`` when a new source adds or changes a field. Alerts
are queued with their events, as for prices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Article, Event, FundingEvent, FundingReport
from pipeline.extract import dedup
from pipeline.extract.funding import FundingReport as Report
from pipeline.extract.funding import extract_rounds, no_round_reason
from pipeline.extract.fx import Rates
from pipeline.extract.names import Registry, default
from pipeline.extract.records import ROUND_FIELDS, NewsItem
from pipeline.store.ingest import ensure_source
from pipeline.store.outbox import Outbox

#: what a report and its event hold of a round
FIELDS = ROUND_FIELDS
#: what an article's IPO report becomes: an event of its own kind, never a round
IPO_EVENTS = {"ipo_filing": "ipo_filed", "ipo_listing": "ipo_listed"}


@dataclass
class ArticleResult:
    url: str
    #: stored, duplicate (same canonical URL)
    status: str
    article_id: int | None = None
    story_id: int | None = None
    funding_event_id: int | None = None
    #: every round the article reports (a digest reports several)
    funding_event_ids: list[int] = field(default_factory=list)
    no_funding: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


class NewsStore:
    """Holds the text index across the articles of one process (built from the database once)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        rates: Rates | None = None,
        outbox: Outbox | None = None,
        names: Registry | None = None,
    ) -> None:
        self.factory, self.rates, self.outbox = factory, rates, outbox
        self.names = names or default()
        self._index: dedup.TextIndex | None = None

    def index(self, session: Session) -> dedup.TextIndex:
        if self._index is None:
            self._index = dedup.TextIndex()
            stored = session.execute(
                select(Article.id, Article.story_id, Article.title, Article.text).order_by(Article.id)
            ).yield_per(5000)
            # every stored article once per process; with many, the shingles are made on both cores
            many = (session.scalar(select(func.count(Article.id))) or 0) >= 5000
            docs = ((str(aid), f"{title}\n{text}", story or aid) for aid, story, title, text in stored)
            self._index.add_many(docs, processes=2 if many else 1)
        return self._index

    def ingest(
        self, source: str, item: NewsItem, extract: Callable[[NewsItem], list[Report]] | None = None
    ) -> ArticleResult:
        url = dedup.canonical_url(item.url)
        with self.factory.begin() as s:
            existing = s.scalar(select(Article).where(Article.url == url))
            if existing is not None:
                return ArticleResult(url, "duplicate", existing.id, existing.story_id)
            src = ensure_source(s, source, kind="news")
            art = Article(
                source_id=src.id,
                url=url,
                original_url=item.url,
                title=item.title[:2000],
                text=item.text,
                published_at=item.published_at,
                published_raw=item.published_raw,
                fetched_at=item.fetched_at,
            )
            s.add(art)
            s.flush()
            art.story_id = self.index(s).add(str(art.id), f"{item.title}\n{item.text}", art.id)
            result = ArticleResult(url, "stored", art.id, art.story_id)
            reports = extract(item) if extract else _extract(item, self.names)
            rounds = [r for r in reports if r.kind == "round" and r.status != "denied"]
            for report in reports:
                if report.kind in IPO_EVENTS:
                    self._ipo(s, src.name, art, report, result)
            if not rounds:
                art.no_funding = result.no_funding = no_round_reason(reports, f"{item.title}\n{item.text}")
                return result
            for report in rounds:
                self._join(s, src.name, art, report, result)
            return result

    def _ipo(self, s: Session, source: str, art: Article, report: Report, result: ArticleResult) -> None:
        """An IPO filing or listing: an event of its own, once per company and kind within the window."""
        kind = IPO_EVENTS[report.kind]
        when = art.published_at or art.fetched_at
        seen = s.scalars(select(Event.occurred_at).where(Event.type == kind, Event.provider == report.company))
        if any(abs((_utc(t) - _utc(when)).days) <= dedup.WINDOW_DAYS for t in seen):
            return
        ev = Event(
            type=kind,
            source_id=art.source_id,
            snapshot_id=art.snapshot_id,
            url=art.url,
            occurred_at=when,
            provider=report.company,
            reason=f"{report.company_name}: {report.kind.replace('_', ' ')}",
        )
        s.add(ev)
        s.flush()
        result.events.append({"type": kind, "id": ev.id, "company": report.company, "changed": []})
        if self.outbox is not None:
            self.outbox.queue(s, ev, source)

    def _join(self, s: Session, source: str, art: Article, report: Report, result: ArticleResult) -> None:
        key = dedup.key_of(report, self.rates)
        candidates = s.scalars(
            select(FundingEvent).where(FundingEvent.company == report.company).order_by(FundingEvent.id)
        )
        event = next((fe for fe in candidates if dedup.same_round(key, dedup.key_of(fe, self.rates))), None)
        if event is not None and event.id in result.funding_event_ids:
            return  # the article's other report of the same round
        now = datetime.now(UTC)
        fresh = event is None
        if event is None:
            event = FundingEvent(
                company=report.company,
                company_name=report.company_name,
                first_seen=now,
                updated_at=now,
                lead_investors=[],
                investors=[],
            )
            s.add(event)
            s.flush()
        s.add(
            FundingReport(
                funding_event_id=event.id,
                article_id=art.id,
                **{f: getattr(report, f) for f in (*FIELDS, "valuation_qualifier")},
            )
        )
        s.flush()
        before = {f: getattr(event, f) for f in FIELDS}
        _settle(s, event)
        changed = [f for f in FIELDS if getattr(event, f) != before[f]]
        result.funding_event_id = result.funding_event_id or event.id
        result.funding_event_ids.append(event.id)
        if fresh or changed:
            event.updated_at = now
            kind = "funding_announced" if fresh else "funding_updated"
            ev = Event(
                type=kind,
                source_id=art.source_id,
                snapshot_id=art.snapshot_id,
                url=art.url,
                occurred_at=art.published_at or art.fetched_at,
                provider=event.company,
                funding_event_id=event.id,
                reason=None if fresh else f"changed: {', '.join(changed)}",
            )
            s.add(ev)
            s.flush()
            result.events.append({"type": kind, "id": ev.id, "company": event.company, "changed": changed})
            if self.outbox is not None:
                self.outbox.queue(s, ev, source, funding=funding_record(s, event, self.names))


def _extract(item: NewsItem, names: Registry | None = None) -> list[Report]:
    # a headline without a time was announced by the time it was seen
    return extract_rounds(item.title, item.text, item.published_at or item.fetched_at, names=names)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _settle(s: Session, event: FundingEvent) -> None:
    """Each field of the event: the value most of its reports give, the most exact on a tie."""
    reports = list(
        s.scalars(select(FundingReport).where(FundingReport.funding_event_id == event.id).order_by(FundingReport.id))
    )
    amount = dedup.best_value((r.amount, r.amount_qualifier) for r in reports)
    event.amount = amount
    with_amount = [r for r in reports if r.amount == amount] or reports
    event.currency = dedup.best_value((r.currency, r.amount_qualifier) for r in with_amount)
    event.amount_qualifier = dedup.best_value((r.amount_qualifier, None) for r in with_amount)
    valuation = dedup.best_value((r.valuation, r.valuation_qualifier) for r in reports)
    event.valuation = valuation
    with_valuation = [r for r in reports if r.valuation == valuation] or reports
    event.valuation_currency = dedup.best_value((r.valuation_currency, None) for r in with_valuation)
    event.round = dedup.best_value((r.round, None) for r in reports)
    event.company_name = dedup.best_value((r.company_name, None) for r in reports) or event.company_name
    event.announced_on = min((r.announced_on for r in reports if r.announced_on), default=None)
    event.lead_investors = _union(r.lead_investors for r in reports)
    event.investors = _union(r.investors for r in reports)
    event.status = "closed" if any(r.status == "closed" for r in reports) else "talks"
    event.valuation_basis = dedup.best_value((r.valuation_basis, None) for r in with_valuation)
    event.amount_high = dedup.best_value((r.amount_high, None) for r in with_amount)


def _union(lists: Any) -> list[str]:
    out: list[str] = []
    for values in lists:
        out.extend(v for v in values or [] if v not in out)
    return out


def funding_record(s: Session, event: FundingEvent, names: Registry | None = None) -> dict[str, Any]:
    """A funding event in the shape of ``contracts.md``, with every source; a known company
    under its one display name, with the names the outlets used as ``aliases``."""
    names = names or default()
    shown = names.display.get(event.company) or event.company_name
    said = s.scalars(select(FundingReport.company_name).where(FundingReport.funding_event_id == event.id).distinct())
    aliases = sorted({n for n in [*said, event.company_name] if n and n != shown})
    rows = s.execute(
        select(Article.url, Article.published_at)
        .join(FundingReport, FundingReport.article_id == Article.id)
        .where(FundingReport.funding_event_id == event.id)
        .order_by(Article.published_at, Article.id)
    ).all()
    return {
        "kind": "funding",
        "funding_event": event.id,
        "company": event.company,
        "company_name": shown,
        "round": event.round,
        "amount": event.amount,
        "currency": event.currency,
        "amount_qualifier": event.amount_qualifier,
        "valuation": event.valuation,
        "valuation_currency": event.valuation_currency,
        "lead_investors": event.lead_investors,
        "investors": event.investors,
        "announced_on": event.announced_on.isoformat() if event.announced_on else None,
        "status": event.status,
        "valuation_basis": event.valuation_basis,
        "amount_high": event.amount_high,
        "sources": [url for url, _ in rows],
        "published_at": rows[0][1] if rows else None,
        # what the outlets said, where they disagree: each figure with the sources that gave it
        "amounts": _figures(s, event, "amount", "currency"),
        "valuations": _figures(s, event, "valuation", "valuation_currency"),
        "aliases": aliases,
    }


def _figures(s: Session, event: FundingEvent, value: str, currency: str) -> list[dict[str, Any]]:
    rows = s.execute(
        select(getattr(FundingReport, value), getattr(FundingReport, currency), Article.url)
        .join(Article, FundingReport.article_id == Article.id)
        .where(FundingReport.funding_event_id == event.id, getattr(FundingReport, value).is_not(None))
        .order_by(FundingReport.id)
    ).all()
    out: dict[tuple[Any, Any], list[str]] = {}
    for amount, cur, url in rows:
        out.setdefault((amount, cur), []).append(url)
    return [{"value": a, "currency": c, "sources": urls} for (a, c), urls in out.items()]


def report_record(report: Report, item: NewsItem) -> dict[str, Any]:
    """One article's funding report in the shape of ``contracts.md``."""
    return {
        "kind": "funding",
        "company": report.company,
        "company_name": report.company_name,
        "round": report.round,
        "amount": report.amount,
        "currency": report.currency,
        "amount_qualifier": report.amount_qualifier,
        "valuation": report.valuation,
        "valuation_currency": report.valuation_currency,
        "lead_investors": report.lead_investors,
        "investors": report.investors,
        "announced_on": report.announced_on.isoformat() if report.announced_on else None,
        "status": report.status,
        "valuation_basis": report.valuation_basis,
        "amount_high": report.amount_high,
        "title": item.title,
        "url": item.url,
        "published_at": item.published_at,
    }


def news_records(news_items: list[NewsItem], names: Registry | None = None) -> list[dict[str, Any]]:
    """Each item's funding reports (one per round; IPO reports and denials by their kind), or why
    it has none (``extract --source news``)."""
    out: list[dict[str, Any]] = []
    for item in news_items:
        reports = _extract(item, names)
        rounds = [r for r in reports if r.kind == "round" and r.status != "denied"]
        out += [report_record(r, item) for r in rounds]
        for r in reports:
            if r not in rounds:
                kind = "funding_denied" if r.status == "denied" else r.kind
                out.append(
                    {
                        "kind": kind,
                        "company": r.company,
                        "company_name": r.company_name,
                        "title": item.title,
                        "url": item.url,
                    }
                )
        if not rounds:
            out.append(
                {
                    "kind": "no_funding",
                    "title": item.title,
                    "url": item.url,
                    "reason": no_round_reason(reports, f"{item.title}\n{item.text}"),
                }
            )
    return out
