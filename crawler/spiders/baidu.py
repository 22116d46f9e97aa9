"""Baidu Qianfan (千帆) model service prices: a server-rendered document
page with one table of ERNIE models, input and output in 元/千tokens, the
free models written 免费."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class BaiduSpider(PriceSpider):
    name = "baidu"
    browser_fallback = True
    owner = "baidu"
    experimental = True  # no real price page could be saved: parser built from the documented structure
    description = "Baidu Qianfan 模型服务价格 (ERNIE; 元/千tokens, 免费)"
    # the Qianfan price pages: the current model-service prices, the older WENXINWORKSHOP price
    # page, and its price index (the only one seen for real, 2024-01-19, as a text excerpt)
    start_urls = [
        "https://cloud.baidu.com/doc/qianfan/s/wmh4sv6ya",
        "https://cloud.baidu.com/doc/WENXINWORKSHOP/s/hlrk4akp7",
        "https://cloud.baidu.com/doc/WENXINWORKSHOP/s/hlqnms5rn",
    ]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults("baidu", "CNY", 1_000), page, out)
