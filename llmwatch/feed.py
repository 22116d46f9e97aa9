"""The recent events as an Atom feed (``feed.atom`` beside the report, ``/feed.atom`` in
``serve``), written with feedgen. Each entry's id comes from what the event says, not from
its row number, so a feed reader shows every change once, even from a database rebuilt by
replaying the same pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from llmwatch.output import plain
from pipeline.extract.alerts import is_web, render

#: what makes an event the same event, whichever database holds it
_IDENTITY = ("type", "source", "url", "occurred_at", "provider", "model", "component", "condition", "currency")


def entry_id(ev: dict[str, Any]) -> str:
    """``urn:llmwatch:event:…``: the same for the same change, seen at the same time."""
    key = {k: plain(ev.get(k)) for k in _IDENTITY}
    key.update({k: plain(ev.get(k)) for k in ("old", "new", "low", "high", "company_name", "claim")})
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"urn:llmwatch:event:{digest}"


def atom(events: Sequence[dict[str, Any]], *, link: str | None = None) -> bytes:
    """An Atom document of ``events`` (as ``views.events_view`` gives them), newest first."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id("urn:llmwatch:events")
    feed.title("llmwatch: China's large-model market, changes")
    feed.subtitle("price changes, new and removed models, funding rounds and claims, from the providers' own pages")
    feed.author({"name": "llmwatch"})
    if link:
        feed.link(href=link, rel="self")
    newest = max((ev["occurred_at"] for ev in events if isinstance(ev.get("occurred_at"), datetime)), default=None)
    feed.updated(newest or datetime.now(UTC))
    for ev in sorted(events, key=lambda e: e.get("occurred_at") or datetime.min.replace(tzinfo=UTC), reverse=True):
        entry = feed.add_entry(order="append")
        entry.id(entry_id(ev))
        entry.title(str(ev.get("summary") or ev["type"]))
        entry.updated(ev.get("occurred_at") or newest or datetime.now(UTC))
        entry.category(term=ev["type"])
        entry.content(render(ev)[1], type="text")
        if is_web(ev.get("url")):  # a feed's javascript: link stays out of the feed too
            entry.link(href=ev["url"], rel="alternate")
    return bytes(feed.atom_str(pretty=True))
