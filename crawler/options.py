"""What the crawler reads of the configuration, as a shape rather than an import:
``llmwatch.config.Settings`` is one such object, handed to ``crawler.run`` by the
command and to the Scrapy components through the ``LLMWATCH_SETTINGS`` setting
(``from_crawler``). The crawler imports nothing from ``llmwatch``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pipeline.extract.fx import Rates
from pipeline.extract.names import Registry
from pipeline.extract.records import Policy
from pipeline.store.outbox import Outbox


class Options(Protocol):
    """The loaded configuration, as the crawler uses it."""

    database_url: str
    #: where the archive and the run logs go
    data_dir: Path
    #: every section of the configuration, defaults filled in ("crawl", "news", "store", "redis", ...)
    raw: dict[str, dict[str, Any]]

    @property
    def crawl(self) -> dict[str, Any]: ...

    @property
    def warc_dir(self) -> Path: ...

    @property
    def rates(self) -> Rates: ...

    @property
    def fx_file(self) -> Path: ...

    @property
    def scope(self) -> frozenset[str]: ...

    @property
    def names(self) -> Registry: ...

    @property
    def policy(self) -> Policy: ...

    @property
    def outbox(self) -> Outbox:
        """Built where the configuration lives: the alert rules and channels."""
        ...
