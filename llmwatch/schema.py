"""The shape of ``llmwatch.toml`` (pydantic): every section and key, its type and range.
``llmwatch.config.load`` checks the merged configuration (defaults, file, environment)
against it, so a misspelt key or a wrong value is a one-line error at start."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pipeline.extract.dates import INTERVAL


def _interval(text: str) -> str:
    if not INTERVAL.match(text):
        raise ValueError("not an interval (use e.g. 30m, 6h, 1d)")
    return text


def _grace(text: str) -> str:
    return text if text.strip().lower() == "none" else _interval(text)


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone (e.g. Asia/Shanghai, UTC)") from None
    return text


def _rates(rates: dict[str, Decimal]) -> dict[str, Decimal]:
    for day, rate in rates.items():
        try:
            date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"{day!r} is not a date (YYYY-MM-DD)") from None
        if rate <= 0:
            raise ValueError(f"the rate from {day} must be above 0")
    return rates


Interval = Annotated[str, AfterValidator(_interval)]
Pct = Annotated[Decimal, Field(ge=0)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sources(Section):
    providers: list[str]


class Currency(Section):
    usd_cny: Annotated[dict[str, Decimal], AfterValidator(_rates)]


class Redis(Section):
    url: str
    prefix: str
    dupefilter_ttl: Annotated[int, Field(ge=0)]


class Store(Section):
    batch_size: Annotated[int, Field(ge=1)]
    process_from: Annotated[int, Field(ge=0)]


class Changes(Section):
    removal_after: Annotated[int, Field(ge=1)]
    discrepancy_pct: Pct
    discrepancy_window: Interval


class Health(Section):
    failures_before_alert: Annotated[int, Field(ge=1)]
    max_drop_pct: Annotated[Decimal, Field(ge=0, le=100)]
    max_reject_rate: Annotated[Decimal, Field(ge=0, le=1)]
    stale_after_intervals: Annotated[int, Field(ge=1)]


class Alerts(Section):
    channels: list[str]
    digest: bool
    retry_backoff_seconds: Annotated[int, Field(ge=0)]
    max_backoff_seconds: Annotated[int, Field(ge=0)]
    send_timeout: Annotated[float, Field(gt=0)]
    #: checked key by key where they are read (``pipeline.extract.alerts.rules_from_config``)
    rules: list[dict[str, Any]] = []


class News(Section):
    feeds: list[str]
    follow_articles: bool


class Claims(Section):
    files: list[str]
    bundled: bool


class Funding(Section):
    aliases: str | list[str]


class SourceSchedule(Section):
    enabled: bool = True
    cron: str | None = None
    every: Interval | None = None


class Schedule(Section):
    timezone: Annotated[str, AfterValidator(_zone)]
    jitter: Annotated[int, Field(ge=0)]
    pricing: Interval
    news: Interval
    fx: Interval
    misfire_grace: Annotated[str, AfterValidator(_grace)]
    time_limit: Interval
    workers: Annotated[int, Field(ge=1)]
    sources: dict[str, SourceSchedule] = {}


class Crawl(Section):
    user_agent: str
    obey_robots: bool
    concurrency_per_domain: Annotated[int, Field(ge=1)]
    download_delay: Annotated[float, Field(ge=0)]
    timeout: Annotated[float, Field(gt=0)]
    autothrottle: bool
    chromium: str
    render: list[str]
    allow_hosts: list[str]
    #: mirrors to fetch instead of a source's own URLs
    urls: dict[str, list[str]] = {}


class Database(Section):
    url: str | None = None


class TopLevel(Section):
    data_dir: str | None = None


class Config(Section):
    """The whole file; ``llmwatch`` holds its top-level keys."""

    sources: Sources
    currency: Currency
    redis: Redis
    store: Store
    changes: Changes
    health: Health
    alerts: Alerts
    news: News
    claims: Claims
    funding: Funding
    schedule: Schedule
    crawl: Crawl
    database: Database = Database()
    llmwatch: TopLevel = TopLevel()
