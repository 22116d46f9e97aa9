"""Funding news: RSS/Atom feeds (36氪, 量子位, TechCrunch AI, TechNode,
Pandaily, and Google News searches for each tracked company in Chinese and
English), each item followed to its article page politely; where the page
cannot be fetched, the item's own text is used. A plain HTML headline list
(163.com's tech channel) is read as a feed of titles.

Feeds are ``[news] feeds`` in the configuration (these are the defaults).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.base import PriceSpider, page_from_response, warc_of
from crawler.feeds import FEEDS
from crawler.items import FetchedArticle, FetchedPage
from pipeline.extract.records import NewsItem, Page


class NewsSpider(PriceSpider):
    name = "news"
    kind = "news"
    format = "rss"
    description = "Funding news: feeds and Google News searches, articles followed"
    start_urls = FEEDS
    empty_reason = "no feed items and no headlines found"

    def __init__(self, *args: Any, follow: str = "1", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.follow = follow not in ("0", "false", "no")

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        page = page_from_response(response)
        yield FetchedPage(self.name, page, *warc_of(response))  # the feed itself: its snapshot, for health
        for item in items(page):
            if self.follow and item.url.startswith("http") and "news.google.com" not in item.url:
                yield Request(
                    item.url,
                    callback=self.article,
                    errback=self.unfetched,
                    cb_kwargs={"item": item},
                    meta={"item": item},
                )
            else:  # Google News links are script redirects: the item's own text is what there is
                yield FetchedArticle(self.name, item)

    def article(self, response: Response, item: NewsItem) -> Iterator[FetchedArticle]:
        page = page_from_response(response)
        yield FetchedArticle(self.name, article_item(page, item), page, *warc_of(response))

    def unfetched(self, failure: Failure) -> Iterator[FetchedArticle]:
        item: NewsItem = failure.request.meta["item"]  # type: ignore[attr-defined]
        if not failure.check(IgnoreRequest) or getattr(failure.value, "response", None) is not None:
            self.logger.info("article not fetched (%s); using the feed's text: %s", failure.getErrorMessage(), item.url)
        yield FetchedArticle(self.name, item)


def items(page: Page) -> list[NewsItem]:
    """The entries of a feed, or the headlines of an HTML link list."""
    import feedparser

    from pipeline.extract.dates import DateError, parse_date

    feed = feedparser.parse(page.body)
    out = []
    for entry in feed.entries:
        raw = entry.get("published") or entry.get("updated")
        try:
            published = parse_date(raw, page.fetched_at) if raw else None
        except DateError:
            published = None
        summary = re.sub(r"<[^>]+>", " ", entry.get("summary", "") or "")
        out.append(
            NewsItem(
                url=entry.get("link", ""),
                title=entry.get("title", "").strip(),
                text=re.sub(r"\s+", " ", summary).strip(),
                fetched_at=page.fetched_at,
                published_at=published,
                published_raw=raw,
            )
        )
    if out:
        return out
    for href, title in re.findall(r"<a[^>]+href=[\"']([^\"']+)[\"'][^>]*>([^<]{8,})</a>", page.text):
        out.append(NewsItem(url=urljoin(page.url, href), title=title.strip(), text="", fetched_at=page.fetched_at))
    return out


def article_item(page: Page, item: NewsItem) -> NewsItem:
    """The article page's main text (trafilatura), keeping the feed's title and date when it has them."""
    import trafilatura

    html = page.text
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(html)
    published = item.published_at
    if published is None and meta is not None and meta.date:
        published = datetime.fromisoformat(meta.date).replace(tzinfo=UTC)
    title = item.title or (meta.title if meta is not None and meta.title else "")
    return NewsItem(
        url=page.url,
        title=title,
        text=text or item.text,
        fetched_at=page.fetched_at,
        published_at=published,
        published_raw=item.published_raw,
    )
