"""Zhipu (智谱) model prices: open.bigmodel.cn/pricing, a single-page app drawn
by JavaScript (a plain fetch returns a 4 KB shell), so it is rendered in
Chromium. Element UI tables (header and body as two <table>s), tiers by input
and output length in K tokens (``输入长度 [0, 32)``), Batch API prices,
免费; price cards where the page draws them. docs.bigmodel.cn's Markdown
source of its price page is the plain-fetch companion."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page
from pipeline.extract.tables import looks_like_html


class ZhipuSpider(PriceSpider):
    name = "zhipu"
    owner = "zhipu"
    render = True
    render_wait = "table"
    description = "Zhipu open.bigmodel.cn/pricing, rendered (GLM; tiers, cache hit, Batch; 元/百万Tokens)"
    start_urls = ["https://open.bigmodel.cn/pricing", "https://docs.bigmodel.cn/cn/guide/start/pricing.md"]

    @classmethod
    def url_for(cls, text: str) -> str:
        return cls.start_urls[0] if looks_like_html(text) else cls.start_urls[1]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("zhipu", "CNY", 1_000_000), page, out)
