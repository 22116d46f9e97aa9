"""The Scrapy item pipeline: a thin wrapper that hands fetched pages to
``pipeline.store.ingest_many`` (hash check, extraction, storage, change
detection, alerts queued with their events), in batches of ``[store]
batch_size`` pages, one transaction each, flushed every 2 s and when the
spider closes."""

from __future__ import annotations

import logging
import time
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
from pipeline.store import IngestResult, OutOfOrder, PageJob, ingest_many

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
        self.policy = self.cfg.policy
        self.batch_size = max(1, int(self.cfg.raw["store"]["batch_size"]))
        self.batch: list[PageJob] = []
        self.batch_started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.factory = session_factory(self.cfg.database_url)

    def close_spider(self) -> None:
        self.flush()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedArticle):
            return self._article(item)
        if not isinstance(item, FetchedPage):
            return item
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
        source = item.source
        self.batch.append(
            PageJob(
                source,
                item.page,
                lambda page: registry.extract(source, page, rates=cfg.rates, scope=cfg.scope),
                self.run_id,
                (item.warc_path, item.warc_offset),
                item.error,
                registry.get(source).description,
            )
        )
        if len(self.batch) == 1:
            self.batch_started = time.monotonic()
        if len(self.batch) >= self.batch_size or time.monotonic() - self.batch_started > 2:
            self.flush()
        return item

    def flush(self) -> None:
        jobs, self.batch = self.batch, []
        if not jobs:
            return
        try:
            results = ingest_many(self.factory, jobs, policy=self.policy, outbox=self.outbox)
        except (OutOfOrder, SQLAlchemyError):
            results = [self._one(job) for job in jobs]  # the bad page loses only itself
        stats = self.crawler.stats
        assert stats is not None
        for result in results:
            stats.inc_value("llmwatch/pages")
            if result.status == "error" and result.message.startswith("not stored"):
                stats.inc_value("llmwatch/store_errors")
            if self.on_result:
                self.on_result(result)

    def _one(self, job: PageJob) -> IngestResult:
        try:
            return ingest_many(self.factory, [job], policy=self.policy, outbox=self.outbox)[0]
        except (OutOfOrder, SQLAlchemyError) as exc:
            # the raw response is already in the WARC file: replaying it later recovers the page
            message = str(exc).splitlines()[0]
            log.error("%s: %s not stored: %s", job.source, job.page.url, message)
            return IngestResult(job.source, job.page.url, "error", message=f"not stored: {message}")

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
