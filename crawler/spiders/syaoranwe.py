"""The community price table in github.com/syaoranwe/LLM-Price's README:
one section per vendor, 元 per 1M tokens. A section may add a third-party
platform's table (together.ai, openrouter); those are not the vendor's price."""

from __future__ import annotations

import re

from crawler.base import PriceSpider
from pipeline.extract.collect import Collector
from pipeline.extract.document import find_tables
from pipeline.extract.pricetable import TableDefaults, parse_tables
from pipeline.extract.providers import provider_from_text
from pipeline.extract.records import Page

_PLATFORM_LABEL = re.compile(r"(\S+?)\s*平台价格")


class SyaoranweSpider(PriceSpider):
    name = "syaoranwe"
    authority = 1
    description = "Community table: syaoranwe/LLM-Price README (元 per 1M tokens)"
    format = "markdown"
    start_urls = ["https://raw.githubusercontent.com/syaoranwe/LLM-Price/main/README.md"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        for table in find_tables(page.text):
            labels = _PLATFORM_LABEL.findall(table.context)
            if labels and provider_from_text(labels[-1]) is None:
                continue  # e.g. "together.ai平台价格": a reseller, not the vendor
            provider = provider_from_text(table.heading)
            parse_tables([table], TableDefaults(provider, "CNY", 1_000_000), out)
