"""Tencent Hunyuan (混元) pricing: server-rendered document pages (Slate markup).
By mid-2026 1729/97731 (混元生文计费概述) lists the legacy models, one cell
"输入：X元 / 输出：Y元" per model under 刊例价（每 百万 tokens）, and points to
TokenHub (1823/130055), where the current models are priced; both are fetched."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class TencentSpider(PriceSpider):
    name = "tencent"
    browser_fallback = True
    owner = "tencent"
    description = "Tencent Cloud Hunyuan 混元生文计费概述 and TokenHub prices (元/百万 tokens, 免费)"
    start_urls = [
        "https://cloud.tencent.com/document/product/1729/97731",
        "https://cloud.tencent.com/document/product/1823/130055",
    ]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("tencent", "CNY", 1_000), page, out)
