"""What every pricing spider shares: fetching, and the extraction contract.

A source module defines one ``PriceSpider`` subclass: its ``name`` (the slug
used everywhere), its real ``start_urls``, and a pure ``extract(page, out)``
that reads a ``Page`` and feeds a ``Collector``. Nothing here parses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import FetchedPage
from pipeline.extract.collect import Collector
from pipeline.extract.document import parse_document
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page
from pipeline.extract.tables import strip_scripts


class PriceSpider(scrapy.Spider):
    """A source: pricing pages by default; the news spider sets ``kind = "news"``."""

    kind: ClassVar[str] = "pricing"
    #: shown as such in ``llmwatch sources`` until a real page has been seen
    experimental: ClassVar[bool] = False
    description: ClassVar[str] = ""
    #: what the fetched documents are, for ``llmwatch sources``
    format: ClassVar[str] = "html"
    empty_reason: ClassVar[str] = "no price table found; the page may need JavaScript"
    #: whose word counts when sources disagree: 3 the provider's own page, 2 a reseller's list,
    #: 1 a community table, 0 an aggregator
    authority: ClassVar[int] = 3
    #: the provider whose own page this is: authoritative for that provider's models only
    #: (Ark's page is official for Doubao, a reseller's list for the DeepSeek it hosts)
    owner: ClassVar[str | None] = None
    #: the page is drawn by JavaScript: fetch it through Chromium (``crawler.render``)
    render: bool = False
    #: CSS selector whose presence means the page has been drawn
    render_wait: ClassVar[str | None] = None
    #: a page whose served HTML yields no price is fetched again through Chromium (when there is one)
    #: before it counts as empty; ``render_instead`` names the page to render for a URL (a JSON
    #: endpoint's own page)
    browser_fallback: ClassVar[bool] = False
    render_instead: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, urls: str | None = None, render: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if urls:  # tests and mirrors point a spider elsewhere: -a urls=http://127.0.0.1/...
            self.start_urls = [u.strip() for u in urls.split(",") if u.strip()]
        if render is not None:  # [crawl] render = [...] switches rendering on for one source
            self.render = render.lower() in {"1", "true", "yes"}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        meta: dict[str, Any] = {}
        if self.render and self.settings.getbool("LLMWATCH_RENDERING"):
            from crawler.render import request_meta

            meta = request_meta(self.render_wait)
        # what the last fetch of each page returned: an unchanged page answers 304, no body
        validators: dict[str, tuple[str | None, str | None]] = self.settings.getdict("LLMWATCH_VALIDATORS")
        for url in self.start_urls:
            headers, extra = conditional(*validators.get(url, (None, None)))
            yield scrapy.Request(
                url, callback=self.parse, errback=self.failed, dont_filter=True, meta={**meta, **extra}, headers=headers
            )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[FetchedPage | scrapy.Request]:
        page = page_from_response(response)
        if self._render_again(page, response):
            yield self._through_browser(response.url, "no price in the served page")
            return
        yield FetchedPage(self.name, page, *warc_of(response))

    def _through_browser(self, url: str, why: str) -> scrapy.Request:
        """The page (or the page a JSON endpoint stands for) again, rendered in Chromium."""
        from crawler.render import request_meta

        target = self.render_instead.get(url, url)
        self.logger.info("%s %s: reading %s through Chromium", why, url, target)
        # read again because it held no table: wait for the script to draw one
        meta = request_meta(self.render_wait or "table")
        return scrapy.Request(target, callback=self.parse, errback=self.failed, dont_filter=True, meta=meta)

    def _render_again(self, page: Page, response: Response) -> bool:
        if not (self.browser_fallback and self.settings.getbool("LLMWATCH_RENDERING")):
            return False
        if response.meta.get("playwright") or response.status != 200 or not page.body:
            return False
        # a served page that holds no table at all (a script draws them): asked of the text, not
        # by reading the page, which the storer does once
        text = strip_scripts(page.text)
        return "<table" not in text and "<TABLE" not in text and '"aceTable"' not in text and "\n|" not in text

    def failed(self, failure: Failure) -> Iterator[FetchedPage | scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        rendering = self.settings.getbool("LLMWATCH_RENDERING")
        if request.url in self.render_instead and rendering and not request.meta.get("playwright"):
            yield self._through_browser(request.url, f"failed ({failure.value}):")
            return
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and _skipped(failure):
            # robots.txt forbids it, or --replay has no record of it: nothing was fetched
            self.logger.warning("skipped %s: %s", failure.request.url, failure.getErrorMessage())  # type: ignore[attr-defined]
            return
        response = getattr(failure.value, "response", None)
        if response is not None:
            page = page_from_response(response)
            reason = f"HTTP {response.status}"
            warc = warc_of(response)
        else:  # nothing usable came back: record it under the URL that was asked for
            page = Page((request.meta.get("redirect_urls") or [request.url])[0], b"", datetime.now(UTC), status=0)
            reason = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
            warc = (None, None)
        yield FetchedPage(self.name, page, *warc, error=reason)

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        """Read ``page`` into ``out``. Sources override this; pure, no I/O."""
        raise NotImplementedError

    @classmethod
    def url_for(cls, text: str) -> str:
        """Which of the source's pages a saved copy is (``extract``/``ingest`` without ``--url``)."""
        return cls.start_urls[0]


def conditional(etag: str | None, modified: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and meta of a request that the server may answer with 304 Not Modified."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers, ({"handle_httpstatus_list": [304]} if headers else {})


def _skipped(failure: Failure) -> bool:
    """Left out on purpose (robots.txt, not archived), as against failed (a redirect loop...)."""
    message = failure.getErrorMessage()
    return "robots.txt" in message or "not in the archive" in message


def tables_extract(defaults: TableDefaults, page: Page, out: Collector) -> None:
    """The generic path: every price table of the page (tables, flattened tables, cards)."""
    parse_document(page.text, defaults, out)


def page_from_response(response: Response) -> Page:
    fetched = response.meta.get("fetched_at") or datetime.now(UTC)
    return Page(
        url=response.url,
        body=response.body,
        fetched_at=fetched,
        content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
        status=response.status,
        etag=(response.headers.get("ETag") or b"").decode("latin-1")[:200],
        last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1")[:64],
        read_via="browser" if response.meta.get("playwright") else "plain",
    )


def warc_of(response: Response) -> tuple[str | None, int | None]:
    where = response.meta.get("warc")
    return (where[0], where[1]) if where else (None, None)
