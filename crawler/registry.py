"""Every source, found by importing the modules in ``crawler.spiders``; the one
function that runs a source's extraction over a page; and what the sources say
about authority (whose page is official for which provider)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any

from crawler import spiders
from crawler.base import PriceSpider
from crawler.catalog import official_sources
from pipeline.extract import terms
from pipeline.extract.collect import Collector
from pipeline.extract.document import parse_document
from pipeline.extract.fx import Rates
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Extraction, Page, Policy
from pipeline.extract.tables import looks_like_html

if TYPE_CHECKING:
    from crawler.options import Options


@cache
def sources() -> dict[str, type[PriceSpider]]:
    found: dict[str, type[PriceSpider]] = {}
    for info in pkgutil.iter_modules(spiders.__path__):
        module = importlib.import_module(f"{spiders.__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, PriceSpider) and obj is not PriceSpider and obj.name:
                found[obj.name] = obj
    return dict(sorted(found.items()))


GENERIC_EMPTY = (
    "no price table found; the page may need JavaScript "
    "(the generic parser looks for 模型/Model and 输入/输出/Input/Output headers)"
)


class UnknownSource(KeyError):
    def __str__(self) -> str:
        return f"unknown source {self.args[0]!r}; known: {', '.join(sources())}, generic"


def get(name: str) -> type[PriceSpider]:
    try:
        return sources()[name]
    except KeyError:
        raise UnknownSource(name) from None


def policy(cfg: Options) -> Policy:
    """What storing pages follows: the configured thresholds, and which pages are official."""
    return replace(cfg.policy, official=official_sources())


def extract(
    name: str,
    page: Page,
    *,
    rates: Rates | None = None,
    scope: frozenset[str] | None = None,
    provider: str | None = None,
) -> Extraction:
    """Run source ``name`` (or ``generic`` with ``provider``) over ``page``."""
    out = Collector(page.fetched_at.date(), rates=rates, scope=scope)
    if name == "generic":
        parse_document(page.text, TableDefaults(provider), out)
        return out.result(GENERIC_EMPTY)
    spider = get(name)
    try:
        spider.extract(page, out)
    except Exception as exc:
        out.reject(f"extraction failed: {type(exc).__name__}: {exc}")
    return terms.apply(out.result(spider.empty_reason), page.text)


def news_items(page: Page) -> list[Any]:
    """Feed entries or headlines of a news page; an article page or plain text is one item."""
    from crawler.spiders.news import article_item, items
    from pipeline.extract.records import NewsItem

    found = items(page)
    if found:
        return found
    text = page.text.strip()
    if looks_like_html(text):
        return [article_item(page, NewsItem(page.url, "", "", page.fetched_at))]
    title, _, body = text.partition("\n")
    return [NewsItem(page.url, title.strip(), body.strip(), page.fetched_at)] if title.strip() else []
