"""The Scrapy item pipeline: a thin wrapper that hands each fetched page to
``pipeline.store.ingest`` (hash check, extraction, storage, change detection)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler import registry
from crawler.items import FetchedPage
from db.engine import session_factory
from pipeline.store import IngestResult, OutOfOrder, ingest

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.url: str = s["LLMWATCH_DATABASE_URL"]
        self.run_id: int | None = s.getint("LLMWATCH_RUN_ID") or None
        self.rates: dict[str, str] | None = s.getdict("LLMWATCH_RATES") or None
        scope = s.getlist("LLMWATCH_SCOPE")
        self.scope = frozenset(scope) if scope else None
        self.removal_after = s.getint("LLMWATCH_REMOVAL_AFTER", 2)
        self.on_result: Callable[[IngestResult], None] | None = s.get("LLMWATCH_ON_RESULT")
        self.factory: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.factory = session_factory(self.url)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        stats = self.crawler.stats
        assert stats is not None
        spider_cls = registry.get(item.source)
        try:
            result = ingest(
                self.factory,
                item.source,
                item.page,
                lambda page: registry.extract(item.source, page, rates=self.rates, scope=self.scope),
                run_id=self.run_id,
                warc=(item.warc_path, item.warc_offset),
                error=item.error,
                removal_after=self.removal_after,
                description=spider_cls.description,
            )
        except (OutOfOrder, SQLAlchemyError) as exc:
            # the raw response is already in the WARC file: replaying it later recovers the page
            message = str(exc).splitlines()[0]
            log.error("%s: %s not stored: %s", item.source, item.page.url, message)
            result = IngestResult(item.source, item.page.url, "error", message=f"not stored: {message}")
            stats.inc_value("llmwatch/store_errors")
        stats.inc_value("llmwatch/pages")
        stats.inc_value(f"llmwatch/{result.status}")
        stats.inc_value("llmwatch/rows", result.rows)
        stats.inc_value("llmwatch/events", len(result.events))
        stats.inc_value("llmwatch/rejects", result.rejects)
        if self.on_result:
            self.on_result(result)
        return item
