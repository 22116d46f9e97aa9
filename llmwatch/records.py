"""Database rows -> the record shapes of ``contracts.md`` (events: ``pipeline.store.outbox.event_record``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.extract.records import ROUND_FIELDS

if TYPE_CHECKING:  # the shapes below are read by every command: no database import for them
    from db.models import PriceObservation
    from pipeline.extract.records import PriceRow


def price_row(row: PriceRow, url: str, fetched_at: Any) -> dict[str, Any]:
    return {
        "kind": "price",
        "provider": row.provider,
        "model": row.model,
        "component": row.component,
        "condition": row.condition,
        "amount_per_mtok": row.amount_per_mtok,
        "currency": row.currency,
        "cny_per_mtok": row.cny_per_mtok,
        "free": row.free,
        "limited_time": row.limited_time,
        "raw": row.raw,
        "effective_from": row.effective_from,
        "effective_to": row.effective_to,
        "fx_rate": row.fx_rate,
        "fx_date": row.fx_date,
        "fx_source": row.fx_source,
        "url": url,
        "fetched_at": fetched_at,
    }


def observation(obs: PriceObservation, source: str) -> dict[str, Any]:
    return {
        "kind": "price",
        "provider": obs.provider,
        "model": obs.model,
        "component": obs.component,
        "condition": obs.condition or None,
        "amount_per_mtok": obs.amount_per_mtok,
        "currency": obs.currency,
        "cny_per_mtok": obs.cny_per_mtok,
        "free": obs.free,
        "limited_time": obs.limited_time,
        "raw": obs.raw,
        "effective_from": obs.effective_from,
        "effective_to": obs.effective_to,
        "fx_rate": obs.fx_rate,
        "fx_date": obs.fx_date,
        "fx_source": obs.fx_source,
        "url": obs.url,
        "fetched_at": obs.last_seen,
        "source": source,
        "first_seen": obs.first_seen,
        "last_seen": obs.last_seen,
        "ended_at": obs.ended_at,
        "snapshot": obs.snapshot_id,
    }


# The record shapes, key by key in the order the JSON records give them: a CSV
# file's header is one of these, whatever rows it holds (or none).
PRICE_FIELDS = (
    "kind",
    "provider",
    "model",
    "component",
    "condition",
    "amount_per_mtok",
    "currency",
    "cny_per_mtok",
    "free",
    "limited_time",
    "raw",
    "effective_from",
    "effective_to",
    # the rate that made cny_per_mtok (CNY per unit of currency), the day it is of, and
    # where it comes from (ECB / config); empty for a CNY figure
    "fx_rate",
    "fx_date",
    "fx_source",
    "url",
    "fetched_at",
)
OBSERVATION_FIELDS = (*PRICE_FIELDS, "source", "first_seen", "last_seen", "ended_at", "snapshot")
#: ``prices``: an observation, how much its source is to be believed, how old its evidence is
HELD_PRICE_FIELDS = (*OBSERVATION_FIELDS, "authority", "official", "role", "seen", "stale")
_ROUND = ("company", *ROUND_FIELDS)
#: where a round was read, and what each outlet said of it
_EVIDENCE = ("sources", "published_at", "amounts", "valuations", "aliases")
FUNDING_FIELDS = (
    "kind",
    "funding_event",
    *_ROUND,
    *_EVIDENCE,
    "source_count",
)
#: ``extract --source news``: an article's reports, or why it has none
REPORT_FIELDS = ("kind", *_ROUND, "title", "url", "published_at", "reason")
#: every key an event of any type can have (``contracts.md``); a type leaves the others empty
EVENT_FIELDS = (
    "type",
    "id",
    "occurred_at",
    "source",
    "url",
    "snapshot",
    "provider",
    "model",
    "component",
    "condition",
    "currency",
    "old",
    "new",
    "change_pct",
    "effective_from",
    "low",
    "high",
    "spread_pct",
    "tolerance_pct",
    "official",
    "values",
    "funding_event",
    *(k for k in _ROUND if k != "currency"),
    *_EVIDENCE,
    "reason",
    "claim",
    "text",
    "archive",
    "summary",
)
SOURCE_FIELDS = (
    "source",
    "kind",
    "status",
    "schedule",
    "health",
    "pages",
    "last_fetched",
    "last_success",
    "last_error",
    "items_last_run",
    "problems",
    "prices",
    "rejects",
    "urls",
    "description",
)
REJECT_FIELDS = ("source", "url", "snapshot", "reason", "raw", "at")
CLAIM_FIELDS = (
    "id",
    "subject",
    "kind",
    "text",
    "article_date",
    "status_at_article",
    "status_now",
    "changed_at",
    "evidence",
    "evidence_at_article",
    "quote",
    "as_of",
)
ALERT_FIELDS = (
    "id",
    "status",
    "channel",
    "rule",
    "digest",
    "attempts",
    "created_at",
    "sent_at",
    "next_attempt_at",
    "last_error",
    "event",
    "summary",
    "message_id",
)
#: ``llmwatch locks``
LOCK_FIELDS = ("name", "owner", "state", "acquired_at", "renewed_at")

#: ``llmwatch audit``: a registry's entry against the official price
AUDIT_FIELDS = (
    "status",
    "provider",
    "model",
    "component",
    "condition",
    "registry_usd_per_mtok",
    "official_usd_per_mtok",
    "official_given",
    "rate",
    "diff_pct",
    "official_source",
    "official_url",
    "seen",
)
#: ``extract --source fx``: one day's CNY per USD (the ECB's cross rate)
RATE_FIELDS = ("date", "usd_cny", "source")
