"""Zhipu (智谱) model prices from docs.bigmodel.cn, which serves each
documentation page's Markdown source at ``<page>.md`` (bigmodel.cn/pricing
itself is drawn by JavaScript). Tiers by input and output length, cache-hit
input, 元/百万Tokens."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.collect import Collector
from pipeline.pricetable import TableDefaults
from pipeline.records import Page


class ZhipuSpider(PriceSpider):
    name = "zhipu"
    owner = "zhipu"
    experimental = True  # parser built from the documented structure; no real page saved yet
    format = "markdown"
    description = "Zhipu docs.bigmodel.cn price page, Markdown source (GLM; tiers, cache hit; 元/百万Tokens)"
    start_urls = ["https://docs.bigmodel.cn/cn/guide/start/pricing.md"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("zhipu", "CNY", 1_000_000), page, out)
