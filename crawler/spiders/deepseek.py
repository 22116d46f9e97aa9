"""DeepSeek API pricing: server-rendered Docusaurus pages, English (USD) and
Chinese (CNY). The table is transposed: models across the header row."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class DeepseekSpider(PriceSpider):
    name = "deepseek"
    owner = "deepseek"
    description = "DeepSeek API docs, Models & Pricing (en USD, zh CNY)"
    start_urls = [
        "https://api-docs.deepseek.com/quick_start/pricing",
        "https://api-docs.deepseek.com/zh-cn/quick_start/pricing",
    ]

    @classmethod
    def url_for(cls, text: str) -> str:
        return cls.start_urls[1] if "元" in text else cls.start_urls[0]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        text = page.text
        chinese = "/zh-cn/" in page.url or "元" in text
        currency = "CNY" if chinese else "USD"
        # "prices listed below are in units of per 1M tokens" / 以“百万 tokens”为单位
        tables_extract(TableDefaults("deepseek", currency, 1_000_000), page, out)
