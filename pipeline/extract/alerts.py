"""Alert rules and messages: which events go to which channels, and what a
message says. Pure: events in (as contract-shaped dicts), decisions and text out.

``[alerts] channels`` alone sends every event everywhere; each
``[[alerts.rules]]`` adds a rule with its own filters and channels.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pipeline.extract.units import fmt

EVENT_TYPES = frozenset(
    {
        "price_changed",
        "price_suspect",
        "model_added",
        "model_removed",
        "funding_announced",
        "funding_updated",
        "ipo_filed",
        "ipo_listed",
        "extraction_broken",
        "source_stale",
        "source_recovered",
        "claim_changed",
        "price_discrepancy",
    }
)


#: events a rule must name to be alerted: a suspect price is not news until it is confirmed;
#: sources that disagree are a matter for whoever keeps the tables, not for every channel
ASKED_FOR_ONLY = frozenset({"price_suspect", "price_discrepancy"})


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    name: str
    channels: tuple[str, ...]
    events: frozenset[str] | None = None
    providers: frozenset[str] | None = None
    companies: frozenset[str] | None = None
    #: shell-style patterns: "deepseek-*"
    models: tuple[str, ...] | None = None
    min_change_pct: Decimal | None = None
    cuts_only: bool = False
    digest: bool = False

    def matches(self, ev: Mapping[str, Any]) -> bool:
        kind = ev["type"]
        if self.events is not None and kind not in self.events:
            return False
        if self.events is None and kind in ASKED_FOR_ONLY:
            return False
        if self.providers is not None and ev.get("provider") and ev["provider"] not in self.providers:
            return False
        if self.companies is not None and ev.get("company") and ev["company"] not in self.companies:
            return False
        if (
            self.models is not None
            and ev.get("model")
            and not any(fnmatch.fnmatch(ev["model"], p) for p in self.models)
        ):
            return False
        if kind == "price_changed":
            pct = ev.get("change_pct")
            if self.cuts_only and not (ev["new"] < ev["old"]):
                return False
            if self.min_change_pct is not None and pct is not None and abs(Decimal(pct)) < self.min_change_pct:
                return False
        return True


def rules_from_config(alerts: Mapping[str, Any]) -> list[Rule]:
    """The ``[alerts]`` section as rules (channels already expanded)."""
    rules: list[Rule] = []
    everywhere = tuple(alerts.get("channels") or ())
    if everywhere:
        rules.append(Rule("all events", everywhere, digest=bool(alerts.get("digest", False))))
    for i, raw in enumerate(alerts.get("rules") or [], 1):
        name = str(raw.get("name") or f"rule {i}")
        channels = tuple(raw.get("channels") or everywhere)
        if not channels:
            raise RuleError(f"alert rule {name!r} has no channels (and [alerts] channels is empty)")
        events = _set(raw.get("events"))
        unknown: set[str] = set(events or ()) - EVENT_TYPES
        if unknown:
            raise RuleError(f"alert rule {name!r}: unknown event types {sorted(unknown)}; known: {sorted(EVENT_TYPES)}")
        pct = raw.get("min_change_pct")
        rules.append(
            Rule(
                name=name,
                channels=channels,
                events=events,
                providers=_set(raw.get("providers")),
                companies=_set(raw.get("companies")),
                models=tuple(raw["models"]) if raw.get("models") else None,
                min_change_pct=Decimal(str(pct)) if pct is not None else None,
                cuts_only=bool(raw.get("cuts_only", False)),
                digest=bool(raw.get("digest", alerts.get("digest", False))),
            )
        )
    return rules


def _set(values: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(values) if values else None


def plan(rules: Sequence[Rule], ev: Mapping[str, Any]) -> list[tuple[Rule, str]]:
    """(rule, channel) pairs for one event; a channel named by several rules gets it once."""
    seen: set[str] = set()
    out: list[tuple[Rule, str]] = []
    for rule in rules:
        if not rule.matches(ev):
            continue
        for channel in rule.channels:
            if channel not in seen:
                seen.add(channel)
                out.append((rule, channel))
    return out


# --- messages ----------------------------------------------------------------


def _num(value: Any) -> str:
    return fmt(Decimal(str(value))) if value is not None else "?"


def describe(ev: Mapping[str, Any]) -> str:
    """One line: what changed, old -> new, by how much."""
    what = f"{ev.get('provider') or ev.get('source', '')}/{ev.get('model', '')} {ev.get('component', '')}".strip()
    if ev.get("condition"):
        what += f" [{ev['condition']}]"
    cur = ev.get("currency", "")
    kind = ev["type"]
    if kind == "price_changed":
        pct = ev.get("change_pct")
        by = "" if pct is None else f" ({'+' if Decimal(str(pct)) > 0 else ''}{_num(pct)}%)"
        return f"{what}: {_num(ev['old'])} -> {_num(ev['new'])} {cur}/1M tokens{by}"
    if kind == "price_suspect":
        return f"{what}: held back, {ev.get('reason')}"
    if kind == "model_added":
        return f"{what}: new at {_num(ev['new'])} {cur}/1M tokens"
    if kind == "model_removed":
        return f"{what}: gone (was {_num(ev['old'])} {cur}/1M tokens)"
    if kind == "price_discrepancy":
        seen = ", ".join(
            f"{_num(v['value'])} {v['currency']} ({v['source']}{', official' if v.get('official') else ''})"
            for v in ev.get("values", [])
        )
        return f"{what}: sources disagree by {_num(ev.get('spread_pct'))}%: {seen}"
    if kind.startswith("funding_"):
        return describe_round(ev)
    if kind in ("ipo_filed", "ipo_listed"):
        return str(ev.get("reason") or f"{ev.get('provider')}: {kind.replace('_', ' ')}")
    return f"{ev.get('source', '')}: {ev.get('reason') or kind.replace('_', ' ')}"


_QUALIFIERS = {"over": "over ", "about": "about ", "up_to": "up to ", "exact": "", None: ""}


def _big(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number:,.0f}" if number == number.to_integral_value() else fmt(number)


def describe_round(ev: Mapping[str, Any]) -> str:
    """``Moonshot AI: round B, 1,000,000,000 USD, valued at 2,500,000,000 USD, led by alibaba (3 sources)``."""
    parts = [f"round {ev['round']}"] if ev.get("round") else []
    if ev.get("amount") is not None and ev.get("amount_high") is not None:
        parts.append(f"{_big(ev['amount'])}–{_big(ev['amount_high'])} {ev.get('currency') or ''}")
    elif ev.get("amount") is not None:
        parts.append(
            f"{_QUALIFIERS.get(ev.get('amount_qualifier'), '')}{_big(ev['amount'])} {ev.get('currency') or ''}"
        )
    elif ev.get("amount_qualifier") == "vague":
        parts.append("undisclosed amount")
    if ev.get("valuation") is not None:
        basis = {"pre": " pre-money", "post": " post-money"}.get(ev.get("valuation_basis") or "", "")
        parts.append(f"valued at {_big(ev['valuation'])} {ev.get('valuation_currency') or ''}{basis}")
    if ev.get("lead_investors"):
        parts.append("led by " + ", ".join(ev["lead_investors"]))
    elif ev.get("investors"):
        parts.append("from " + ", ".join(ev["investors"]))
    sources = ev.get("sources") or []
    tail = f" ({len(sources)} source{'s' if len(sources) != 1 else ''})" if sources else ""
    update = f"; {ev['reason']}" if ev.get("reason") else ""
    talks = "in talks: " if ev.get("status") == "talks" else ""
    return f"{ev.get('company_name') or ev.get('company')}: {talks}{', '.join(p.strip() for p in parts)}{tail}{update}"


TITLES = {
    "claim_changed": "claim changed",
    "funding_announced": "funding announced",
    "funding_updated": "funding updated",
    "ipo_filed": "IPO filing",
    "ipo_listed": "listing",
    "price_changed": "price change",
    "price_discrepancy": "sources disagree",
    "price_suspect": "suspect price held back",
    "model_added": "new model",
    "model_removed": "model removed",
    "extraction_broken": "extraction broken",
    "source_stale": "source stale",
    "source_recovered": "source recovered",
}


def is_web(url: object) -> bool:
    """An http(s) address: the only kind shown as a link (a feed's ``javascript:`` or ``data:``
    link is shown as text, where a channel or a browser could not follow it)."""
    return isinstance(url, str) and url.split(":", 1)[0].strip().lower() in ("http", "https") and "://" in url


def _evidence(url: object) -> str:
    return f"<{url}>" if is_web(url) else f"(not a web address: `{str(url).replace('`', '')}`)"


def render(ev: Mapping[str, Any]) -> tuple[str, str]:
    """Title and body of one alert: the change, the evidence link and the time."""
    title = f"llmwatch: {TITLES.get(ev['type'], ev['type'].replace('_', ' '))}"
    when = ev.get("occurred_at")
    when_text = when.strftime("%Y-%m-%d %H:%M UTC") if isinstance(when, datetime) else str(when or "")
    lines = [describe(ev), f"seen {when_text} by {ev.get('source', '?')}"]
    if ev.get("url"):
        lines.append(f"evidence: {ev['url']}" if is_web(ev["url"]) else f"evidence {_evidence(ev['url'])}")
    return title, "\n".join(lines)


def render_digest(events: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """One message for a batch of events."""
    count = len(events)
    title = f"llmwatch: {count} change{'s' if count != 1 else ''}"
    body = "\n".join(f"- {describe(ev)}" + (f" {_evidence(ev['url'])}" if ev.get("url") else "") for ev in events)
    return title, body
