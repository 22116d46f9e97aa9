"""Alibaba Cloud Model Studio (百炼) model list and prices: server-rendered
help pages, read from real copies (tests/fixtures/aliyun). Tables span rows
(one model over several context tiers such as ``0<Token≤32K``), split output
into 非思考模式 / 思考模式, and repeat under region tabs (中国内地 / 全球 / 国际 /
美国: the mainland price is the default row, the others carry ``region=``);
units are in the headers (每百万Token)."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page


class AliyunSpider(PriceSpider):
    name = "aliyun"
    browser_fallback = True
    owner = "alibaba"
    description = "Alibaba Cloud Model Studio 模型调用价格 and 模型列表 (Qwen; tiers, regions, thinking, Batch; CNY)"
    start_urls = [
        "https://help.aliyun.com/zh/model-studio/model-pricing",
        "https://help.aliyun.com/zh/model-studio/models",
    ]

    @classmethod
    def url_for(cls, text: str) -> str:
        return (
            cls.start_urls[1]
            if "模型列表" in text[:5000] and "模型调用价格" not in text[:200_000]
            else cls.start_urls[0]
        )

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults(None, "CNY", None), page, out)
