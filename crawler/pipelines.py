"""The Scrapy item pipeline: a thin wrapper that hands fetched pricing pages
to ``crawler.storage`` (in batches, in this process or a second one), feed
snapshots to the news store, and articles to ``NewsStore``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler import registry
from crawler.items import FetchedArticle, FetchedPage
from crawler.options import Options
from crawler.storage import Job, StoreProcess, Storer
from db.engine import session_factory
from pipeline.store.ingest import IngestResult, record_fetch

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cfg: Options = crawler.settings["LLMWATCH_SETTINGS"]
        self.run_id: int | None = crawler.settings.getint("LLMWATCH_RUN_ID") or None
        self.on_result: Callable[[IngestResult], None] | None = crawler.settings.get("LLMWATCH_ON_RESULT")
        self.factory: Any = None
        self.news: Any = None
        self.on_article: Callable[[Any], None] | None = crawler.settings.get("LLMWATCH_ON_ARTICLE")
        self.outbox = self.cfg.outbox
        self.storer: Storer | StoreProcess | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.factory = session_factory(self.cfg.database_url)
        # a large crawl stores in a second process: fetching and storing each get a core
        second = self.crawler.settings.getbool("LLMWATCH_STORE_PROCESS")
        self.storer = StoreProcess(self.cfg, self.run_id) if second else Storer(self.cfg, self.run_id)

    def close_spider(self) -> None:
        if self.storer is not None:
            self._report(self.storer.flush())

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedArticle):
            return self._article(item)
        if not isinstance(item, FetchedPage):
            return item
        kind = registry.get(item.source).kind
        if kind == "fx":
            from pipeline.store.fx import record_rates

            result = record_rates(
                self.factory,
                item.source,
                item.page,
                self.cfg.fx_file,
                warc=(item.warc_path, item.warc_offset),
                error=item.error,
                run_id=self.run_id,
            )
            if self.on_result:
                self.on_result(result)
            return item
        if kind == "news":
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
        assert self.storer is not None
        self._report(self.storer.submit(Job(item.source, item.page, (item.warc_path, item.warc_offset), item.error)))
        return item

    def _report(self, results: list[IngestResult]) -> None:
        stats = self.crawler.stats
        assert stats is not None
        for result in results:
            stats.inc_value("llmwatch/pages")
            if result.status == "error" and result.message.startswith("not stored"):
                stats.inc_value("llmwatch/store_errors")
            if self.on_result:
                self.on_result(result)

    def _article(self, item: FetchedArticle) -> FetchedArticle:
        from pipeline.store.news import NewsStore

        if self.news is None:
            self.news = NewsStore(self.factory, rates=self.cfg.rates, outbox=self.outbox, names=self.cfg.names)
        try:
            result = self.news.ingest(item.source, item.item)
        except SQLAlchemyError as exc:
            log.error("%s: %s not stored: %s", item.source, item.item.url, str(exc).splitlines()[0])
            return item
        if self.on_article:
            self.on_article(result)
        return item
