"""Moonshot AI (Kimi) platform pricing docs: CNY per 1M tokens, context tiers."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class MoonshotSpider(PriceSpider):
    name = "moonshot"
    owner = "moonshot"
    description = "Moonshot AI platform, 模型推理价格说明 (CNY)"
    start_urls = ["https://platform.moonshot.cn/docs/pricing/chat"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("moonshot", "CNY", 1_000_000), page, out)
