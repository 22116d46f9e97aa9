"""Typed records that flow from extraction to storage.

Extraction functions return these; storage and the CLI consume them. Every
money field is a ``Decimal``; every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class PriceRow:
    """One (provider, model, component, condition) -> price observation.

    ``amount_per_mtok`` is in ``currency`` per 1M tokens; ``cny_per_mtok`` is the
    same converted to CNY at the rate of the fetch date, which ``fx_rate`` (CNY per
    unit of ``currency``), ``fx_date`` (the day the rate is of) and ``fx_source``
    (``ECB`` or ``config``) record; all three are None for a CNY figure. ``raw`` is
    the text as the page wrote it.
    """

    provider: str
    model: str
    component: str
    condition: str | None
    amount_per_mtok: Decimal
    currency: str
    cny_per_mtok: Decimal
    raw: str
    free: bool = False
    limited_time: bool = False
    #: when the page says the price starts or stops being charged (None: from when it is seen / open)
    effective_from: datetime | None = None
    effective_to: datetime | None = None
    fx_rate: Decimal | None = None
    fx_date: date | None = None
    fx_source: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.provider, self.model, self.component, self.condition or "", self.currency)

    @property
    def fx(self) -> tuple[Decimal | None, date | None, str | None]:
        """The conversion's rate, its day and its source."""
        return (self.fx_rate, self.fx_date, self.fx_source)


@dataclass(frozen=True)
class Reject:
    """Something on a page that looked like a price but could not be used."""

    reason: str
    raw: str = ""


@dataclass
class Page:
    """A fetched (or saved) document: the input of every extraction function."""

    url: str
    body: bytes
    fetched_at: datetime
    content_type: str = ""
    status: int = 200
    #: HTTP validators (ETag, Last-Modified) of the response, for the next conditional request
    etag: str = ""
    last_modified: str = ""
    #: how the page was read: "plain" (served HTML) or "browser" (rendered in Chromium)
    read_via: str = "plain"

    @cached_property
    def text(self) -> str:
        return decode_body(self.body, self.content_type)


@dataclass
class Extraction:
    """What one page yielded: its rows and what had to be rejected."""

    rows: list[PriceRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: why nothing could be extracted at all (e.g. no price table found)
    empty_reason: str | None = None


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode a response body: declared charset first, then UTF-8, then GB18030."""
    charset = ""
    if "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
    for enc in filter(None, (charset, "utf-8", "gb18030")):
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


class OutOfOrder(ValueError):
    """A page older than what is already stored for the same URL."""


@dataclass(frozen=True)
class Policy:
    """When a change counts: the ``[changes]`` and ``[health]`` settings."""

    #: healthy fetches a row must be missing before it is removed
    removal_after: int = 2
    #: a fall in rows by more than this (vs the last healthy fetch) is a broken extraction
    max_drop_pct: Decimal = Decimal(50)
    #: a share of unreadable cells above this (with at least 3) is a broken extraction
    max_reject_rate: Decimal = Decimal("0.25")
    #: sources that differ by more than this (in CNY) on one key: a price_discrepancy
    discrepancy_pct: Decimal = Decimal(10)
    #: values compared only when each was seen within this of the other (older ones are history)
    discrepancy_window: timedelta = timedelta(days=14)
    #: the providers' own pages, authoritative when sources disagree
    official: frozenset[tuple[str, str]] = frozenset()
    #: what converts the foreign figures of a page fetched again unchanged (a ``fx.Rates``; None: the default)
    rates: Any = None


@dataclass
class IngestResult:
    source: str
    url: str
    #: stored, unchanged, empty, error
    status: str
    snapshot_id: int | None = None
    rows: int = 0
    rejects: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: int = 0
    message: str = ""


@dataclass
class NewsItem:
    """A feed entry or article page, as the news spider or ``ingest`` sees it."""

    url: str
    title: str
    text: str
    fetched_at: datetime
    published_at: datetime | None = None
    published_raw: str | None = None


#: a funding round's fields, as stored (``FundingReport``, ``FundingEvent``) and as its
#: records give them (``contracts.md``), in that order
ROUND_FIELDS = (
    "company_name",
    "round",
    "amount",
    "currency",
    "amount_qualifier",
    "valuation",
    "valuation_currency",
    "lead_investors",
    "investors",
    "announced_on",
    "status",
    "valuation_basis",
    "amount_high",
)
