"""Tencent Hunyuan (混元) product pricing: a server-rendered document page,
one table of models with input and output prices per 1K tokens."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.collect import Collector
from pipeline.pricetable import TableDefaults
from pipeline.records import Page


class TencentSpider(PriceSpider):
    name = "tencent"
    owner = "tencent"
    experimental = True  # parser built from the documented structure; no real page saved yet
    description = "Tencent Cloud Hunyuan 产品定价 (元/千 tokens, 免费)"
    start_urls = ["https://cloud.tencent.com/document/product/1729/97731"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("tencent", "CNY", 1_000), page, out)
