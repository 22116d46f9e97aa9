"""The one item a spider yields per fetched page (rows are parsed downstream,
after the content-hash check, so an unchanged page costs no parsing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.extract.records import Page

if TYPE_CHECKING:  # the news store (numpy, datasketch) is not loaded by processes that store prices
    from pipeline.extract.records import NewsItem


@dataclass
class FetchedPage:
    source: str
    page: Page
    warc_path: str | None = None
    warc_offset: int | None = None
    #: set when the fetch failed (network error, HTTP error status)
    error: str | None = None


@dataclass
class FetchedArticle:
    """A news item: from its feed, and from its article page when that could be fetched."""

    source: str
    item: NewsItem
    page: Page | None = None
    warc_path: str | None = None
    warc_offset: int | None = None
