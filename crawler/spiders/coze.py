"""Coze (扣子专业版) billing rules: Doubao and DeepSeek prices per 1K tokens in
HTML tables with rowspan, one 计费项 cell naming model and input/output.

The live Coze docs are a JavaScript app; until rendering exists (issue 6)
this source reads the public Markdown export of the same page."""

from __future__ import annotations

from crawler.base import PriceSpider
from pipeline.extract.collect import Collector
from pipeline.extract.document import find_tables
from pipeline.extract.pricetable import TableDefaults, parse_tables
from pipeline.extract.providers import provider_from_text
from pipeline.extract.records import Page


class CozeSpider(PriceSpider):
    name = "coze"
    authority = 2
    description = "Coze Pro 计费规则 (Doubao, DeepSeek resale prices, CNY per 1K tokens)"
    format = "markdown"
    start_urls = [
        "https://raw.githubusercontent.com/qiuyurs/cozezsk/main/dist/docs/"
        "PCuHwQCloiaAAkkNhI6ctobXnqc/FXjVwcN1TiMvArk2IshcmodnnMf.md"
    ]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        for table in find_tables(page.text):
            # "豆包系列" / "Deepseek系列": the section names the model maker
            provider = provider_from_text(table.heading)
            parse_tables([table], TableDefaults(provider, "CNY", 1_000), out)
