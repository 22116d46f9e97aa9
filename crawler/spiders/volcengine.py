"""Volcengine Ark (火山方舟) model prices: a documentation page whose price
tables are drawn in the browser. Fetched without JavaScript it keeps the prose
and loses every table (the saved copy in tests/fixtures shows it), so this
source is rendered in Chromium and read from the drawn tables: model, the
input/output length tier (千 token), input, cache-hit and output in
元/百万token. Ark also resells DeepSeek and Kimi: the model names its maker."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.collect import Collector
from pipeline.pricetable import TableDefaults
from pipeline.records import Page


class VolcengineSpider(PriceSpider):
    name = "volcengine"
    owner = "bytedance"
    experimental = True  # parser built from the documented structure; no rendered page saved yet
    render = True
    render_wait = "table"
    description = "Volcengine Ark 模型服务价格 (Doubao, resold DeepSeek/Kimi; rendered in Chromium; 元/百万token)"
    start_urls = ["https://www.volcengine.com/docs/82379/1544106"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults(None, "CNY", 1_000_000), page, out)
