"""The Scrapy item pipeline: a thin wrapper that hands each fetched page to
``pipeline.store.ingest`` (hash check, extraction, storage, change detection,
alerts queued with their events)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler import registry
from crawler.items import FetchedArticle, FetchedPage
from db.engine import session_factory
from llmwatch import channels
from llmwatch.config import Settings
from pipeline.news_store import record_fetch
from pipeline.store import IngestResult, OutOfOrder, ingest

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cfg: Settings = crawler.settings["LLMWATCH_SETTINGS"]
        self.run_id: int | None = crawler.settings.getint("LLMWATCH_RUN_ID") or None
        self.on_result: Callable[[IngestResult], None] | None = crawler.settings.get("LLMWATCH_ON_RESULT")
        self.factory: Any = None
        self.news: Any = None
        self.on_article: Callable[[Any], None] | None = crawler.settings.get("LLMWATCH_ON_ARTICLE")
        self.outbox = channels.outbox(self.cfg)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.factory = session_factory(self.cfg.database_url)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedArticle):
            return self._article(item)
        if not isinstance(item, FetchedPage):
            return item
        stats = self.crawler.stats
        assert stats is not None
        cfg = self.cfg
        if registry.get(item.source).kind == "news":
            found = 0 if item.error else len(registry.news_items(item.page))
            result = record_fetch(
                self.factory,
                item.source,
                item.page,
                items=found,
                error=item.error,
                warc=(item.warc_path, item.warc_offset),
                run_id=self.run_id,
            )
            if self.on_result:
                self.on_result(result)
            return item
        try:
            result = ingest(
                self.factory,
                item.source,
                item.page,
                lambda page: registry.extract(item.source, page, rates=cfg.rates, scope=cfg.scope),
                run_id=self.run_id,
                warc=(item.warc_path, item.warc_offset),
                error=item.error,
                policy=cfg.policy,
                outbox=self.outbox,
                description=registry.get(item.source).description,
            )
        except (OutOfOrder, SQLAlchemyError) as exc:
            # the raw response is already in the WARC file: replaying it later recovers the page
            message = str(exc).splitlines()[0]
            log.error("%s: %s not stored: %s", item.source, item.page.url, message)
            result = IngestResult(item.source, item.page.url, "error", message=f"not stored: {message}")
            stats.inc_value("llmwatch/store_errors")
        stats.inc_value("llmwatch/pages")
        if self.on_result:
            self.on_result(result)
        return item

    def _article(self, item: FetchedArticle) -> FetchedArticle:
        from pipeline.news_store import NewsStore

        if self.news is None:
            self.news = NewsStore(self.factory, rates=self.cfg.rates, outbox=self.outbox)
        try:
            result = self.news.ingest(item.source, item.item)
        except SQLAlchemyError as exc:
            log.error("%s: %s not stored: %s", item.source, item.item.url, str(exc).splitlines()[0])
            return item
        if self.on_article:
            self.on_article(result)
        return item
