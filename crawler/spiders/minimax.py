"""MiniMax pay-as-you-go pricing. The docs site serves each page's Markdown at
``<page>.md``; the Chinese platform (minimaxi.com) prices in CNY, the
international one (minimax.io) in USD."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class MinimaxSpider(PriceSpider):
    name = "minimax"
    owner = "minimax"
    description = "MiniMax pay-as-you-go (zh CNY, en USD), Markdown source"
    format = "markdown"
    start_urls = [
        "https://platform.minimaxi.com/docs/pricing/pay-as-you-go.md",
        "https://platform.minimax.io/docs/pricing/pay-as-you-go.md",
    ]

    @classmethod
    def url_for(cls, text: str) -> str:
        return cls.start_urls[0] if "元" in text else cls.start_urls[1]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        currency = "CNY" if "minimaxi.com" in page.url or "元" in page.text else "USD"
        tables_extract(TableDefaults("minimax", currency, 1_000_000), page, out)
