"""The claims ledger: an article's checkable claims, checked against the data.

A claim is ``supported``, ``contradicted`` or ``no data`` at a moment: the
article's date, or now. Evidence is the observation (per source) or funding
event in force then; where sources disagree every one is shown, and the most
recently seen decides. Where there is no evidence the status is ``no data``,
never a guess.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import queries
from db.models import ClaimState, Event, FundingEvent, PriceObservation
from pipeline.extract.fx import Rate, Rates
from pipeline.extract.units import fmt, to_cny
from pipeline.store.ingest import ensure_source
from pipeline.store.outbox import Outbox

KINDS = ("price", "free", "price_cut", "funding", "valuation", "other")
SUPPORTED, CONTRADICTED, NO_DATA = "supported", "contradicted", "no data"


class ClaimError(ValueError):
    pass


@dataclass(frozen=True)
class Claim:
    id: str
    kind: str
    text: str
    article_date: date
    subject: str
    quote: str = ""
    article: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Evidence:
    source: str
    url: str
    fetched_at: datetime | None
    value: Decimal | None
    currency: str | None
    holds: bool
    what: str = ""
    note: str | None = None
    #: a price converted to CNY: the figure as the page gave it, and the rate that converted it
    given: str | None = None
    fx: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "url": self.url,
            "fetched_at": self.fetched_at,
            "value": self.value,
            "currency": self.currency,
            "holds": self.holds,
            "what": self.what,
            "note": self.note,
            "given": self.given,
            "fx": self.fx,
        }


@dataclass
class Verdict:
    status: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def deciding(self) -> Evidence | None:
        dated = [e for e in self.evidence if e.fetched_at is not None]
        return max(dated, key=lambda e: e.fetched_at) if dated else None  # type: ignore[arg-type, return-value]


def load(paths: Iterable[Path]) -> list[Claim]:
    """Claims from TOML files (``[article]`` and ``[[claim]]`` tables)."""
    claims: list[Claim] = []
    seen: set[str] = set()
    for path in paths:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ClaimError(f"{path}: {exc}") from None
        article = data.get("article", {})
        for raw in data.get("claim", []):
            cid = raw.get("id")
            if not cid or cid in seen:
                raise ClaimError(f"{path}: every claim needs a unique id (got {cid!r})")
            if raw.get("kind") not in KINDS:
                raise ClaimError(f"{path}: claim {cid}: kind must be one of {', '.join(KINDS)}")
            when = raw.get("article_date", article.get("date"))
            if not isinstance(when, date):
                raise ClaimError(f"{path}: claim {cid}: needs article_date (or [article] date) as a TOML date")
            seen.add(cid)
            claims.append(
                Claim(
                    id=cid,
                    kind=raw["kind"],
                    text=raw.get("text", ""),
                    article_date=when,
                    subject=raw.get("provider") or raw.get("company") or raw.get("subject") or "",
                    quote=raw.get("quote", ""),
                    article=article.get("title", ""),
                    params=raw,
                )
            )
    return claims


def check(session: Session, claim: Claim, at: datetime | None = None, rates: Rates | None = None) -> Verdict:
    """The claim's status at ``at`` (None: now)."""
    if claim.kind in ("price", "free", "price_cut"):
        return _price(session, claim, at, rates)
    if claim.kind in ("funding", "valuation"):
        return _funding(session, claim, at, rates)
    return Verdict(NO_DATA)


def article_moment(claim: Claim) -> datetime:
    """The end of the article's day, in UTC."""
    return datetime.combine(claim.article_date, time(23, 59, 59), tzinfo=UTC)


def _matches(model: str, wanted: list[str]) -> str | None:
    for m in wanted:
        if model == m or model.startswith(m + "-"):
            return m
    return None


def _price(session: Session, claim: Claim, at: datetime | None, rates: Rates | None) -> Verdict:
    p = claim.params
    models = list(p.get("models") or [])
    components = list(p.get("components") or [p.get("component", "input")])
    tolerance = Decimal(str(p.get("tolerance", 0)))
    rows = session.execute(queries.prices(provider=p.get("provider"), at=at)).all()
    newest: dict[tuple[str, str, str], tuple[PriceObservation, str]] = {}
    for obs, source in rows:
        family = _matches(obs.model, models)
        if family is None or obs.component not in components or obs.condition:
            continue
        key = (source, family, obs.component)
        if key not in newest or obs.last_seen > newest[key][0].last_seen:
            newest[key] = (obs, source)
    evidence: list[Evidence] = []
    # each (model, component) the claim names: the most recently seen source decides
    decided: dict[tuple[str, str], Evidence] = {}
    for (source, family, component), (obs, _) in sorted(newest.items()):
        ev = Evidence(
            source,
            obs.url,
            obs.last_seen,
            obs.cny_per_mtok,
            "CNY",
            _price_holds(claim, obs, tolerance, rates),
            what=f"{obs.model} {component}",
            given=None if obs.currency == "CNY" else f"{fmt(obs.amount_per_mtok)} {obs.currency}",
            fx=_rate_text(obs),
        )
        evidence.append(ev)
        slot = decided.get((family, component))
        if slot is None or (ev.fetched_at and slot.fetched_at and ev.fetched_at > slot.fetched_at):
            decided[(family, component)] = ev
    verdict = Verdict(NO_DATA, evidence)
    wanted = {(m, c) for m in models for c in components}
    if any(not ev.holds for ev in decided.values()):
        verdict.status = CONTRADICTED
    elif decided and set(decided) == wanted:
        verdict.status = SUPPORTED
    return verdict


def _rate_text(obs: PriceObservation) -> str | None:
    if obs.fx_rate is None or obs.fx_date is None:
        return None
    return str(Rate(obs.fx_rate, obs.fx_date, obs.fx_source or "config"))


def _price_holds(claim: Claim, obs: PriceObservation, tolerance: Decimal, rates: Rates | None) -> bool:
    p = claim.params
    seen = obs.cny_per_mtok
    if claim.kind == "free":
        return seen == 0
    on = obs.last_seen.date()
    if claim.kind == "price_cut":
        before = to_cny(Decimal(str(p["before"])), p.get("currency", "CNY"), on, rates)
        ceiling = before * (1 - Decimal(str(p["percent"])) / 100) * (1 + tolerance)
        return seen <= ceiling
    value = to_cny(Decimal(str(p["value"])), p.get("currency", "CNY"), on, rates)
    return abs(seen - value) <= tolerance * value


def _funding(session: Session, claim: Claim, at: datetime | None, rates: Rates | None) -> Verdict:
    from pipeline.store.news import funding_record

    p = claim.params
    start, end = p.get("from", date.min), p.get("to", date.max)
    if at is not None:
        end = min(end, at.date())
    events = session.scalars(
        select(FundingEvent)
        .where(
            FundingEvent.company == claim.subject, FundingEvent.announced_on >= start, FundingEvent.announced_on <= end
        )
        .order_by(FundingEvent.announced_on)
    ).all()
    tolerance = Decimal(str(p.get("tolerance", "0.1")))
    evidence = []
    for fe in events:
        record = funding_record(session, fe)
        field_, currency = (
            ("valuation", fe.valuation_currency) if claim.kind == "valuation" else ("amount", fe.currency)
        )
        seen = getattr(fe, field_)
        holds = False
        if seen is not None and currency:
            on = fe.announced_on or claim.article_date
            seen_cny = to_cny(seen, currency, on, rates)
            want = to_cny(Decimal(str(p[field_])), p.get("currency", "USD"), on, rates)
            # "passed X" for valuations: at least X; amounts: within the tolerance
            holds = (
                seen_cny >= want * (1 - tolerance)
                if claim.kind == "valuation"
                else abs(seen_cny - want) <= tolerance * max(seen_cny, want)
            )
        named = list(p.get("investors") or [])
        confirmed = [i for i in named if i in (fe.investors or [])]
        note = None
        if named and not confirmed:
            holds, note = False, f"none of {', '.join(named)} among the reported investors"
        elif named and len(confirmed) < len(named):
            note = f"not in the reports: {', '.join(i for i in named if i not in confirmed)}"
        first = (record["sources"] or [""])[0]
        evidence.append(
            Evidence(
                "news",
                first,
                record.get("published_at") or fe.first_seen,
                seen,
                currency,
                holds,
                what=f"{fe.company_name} {field_} ({len(record['sources'])} sources)",
                note=note,
            )
        )
    if not evidence:
        return Verdict(NO_DATA)
    return Verdict(SUPPORTED if any(e.holds for e in evidence) else CONTRADICTED, evidence)


def record(session: Session, claim: Claim, *, at: datetime | None = None, rates: Rates | None = None) -> dict[str, Any]:
    """A claim in the shape of ``contracts.md``: status then and now (or at ``at``, named by
    ``as_of``), and the evidence."""
    then = check(session, claim, article_moment(claim), rates)
    now = check(session, claim, at, rates)
    state = session.get(ClaimState, claim.id)
    changed_at = None
    if state is not None and state.status == now.status:
        changed_at = state.changed_at
    elif now.status != then.status and now.deciding is not None:
        changed_at = now.deciding.fetched_at
    return {
        "id": claim.id,
        "subject": claim.subject,
        "kind": claim.kind,
        "text": claim.text,
        "article_date": claim.article_date.isoformat(),
        "status_at_article": then.status,
        "status_now": now.status,
        "changed_at": changed_at,
        "evidence": [e.record() for e in now.evidence],
        "evidence_at_article": [e.record() for e in then.evidence],
        "quote": claim.quote,
        #: the moment ``status_now`` and ``evidence`` are for: null for now
        "as_of": at,
    }


def recheck(
    session: Session,
    claims: list[Claim],
    *,
    outbox: Outbox | None = None,
    rates: Rates | None = None,
    now: datetime | None = None,
) -> list[Event]:
    """Check every claim now; a status that changed since the last check is a ``claim_changed`` event."""
    now = now or datetime.now(UTC)
    created = []
    for claim in claims:
        verdict = check(session, claim, None, rates)
        state = session.get(ClaimState, claim.id)
        if state is None:
            session.add(ClaimState(claim_id=claim.id, status=verdict.status, changed_at=now, checked_at=now))
            continue
        state.checked_at = now
        if state.status == verdict.status:
            continue
        src = ensure_source(session, "claims", "the claims ledger", kind="claims")
        deciding = verdict.deciding
        reason = _message(claim, state.status, verdict)
        ev = Event(
            type="claim_changed",
            source_id=src.id,
            snapshot_id=None,
            url=deciding.url if deciding else "",
            occurred_at=now,
            provider=claim.subject,
            reason=reason,
            detail={"claim": claim.id, "old": state.status, "new": verdict.status, "text": claim.text},
        )
        session.add(ev)
        session.flush()
        state.status, state.changed_at = verdict.status, now
        if outbox is not None:
            outbox.queue(session, ev, "claims")
        created.append(ev)
    return created


def _message(claim: Claim, old: str, verdict: Verdict) -> str:
    """``Claim deepseek-1-yuan no longer holds: deepseek-chat input now 2 CNY per 1M tokens (deepseek)``."""
    headline = {
        SUPPORTED: "holds again" if old == CONTRADICTED else "is now supported",
        CONTRADICTED: "no longer holds" if old == SUPPORTED else "is contradicted",
        NO_DATA: "has no evidence any more",
    }[verdict.status]
    ev = verdict.deciding
    detail = ""
    if ev is not None and ev.value is not None:
        detail = (
            f": {ev.what} now {fmt(ev.value)} {ev.currency}"
            + (" per 1M tokens" if claim.kind in ("price", "price_cut", "free") else "")
            + f" ({ev.source})"
        )
    return f"Claim {claim.id} {headline}{detail}"
