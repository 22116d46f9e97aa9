"""Alibaba Cloud Model Studio (百炼) model list and prices: server-rendered
help pages. Tables span rows (one model over several context tiers such as
``0<Token≤32K``) and split output into 非思考模式 / 思考模式 under one header;
units are in the headers (每百万Token or 每千Token)."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.collect import Collector
from pipeline.pricetable import TableDefaults
from pipeline.records import Page


class AliyunSpider(PriceSpider):
    name = "aliyun"
    owner = "alibaba"
    experimental = True  # parser built from the documented structure; no real page saved yet
    description = "Alibaba Cloud Model Studio 模型列表与价格 (Qwen; context tiers, thinking output; CNY)"
    start_urls = ["https://help.aliyun.com/zh/model-studio/models"]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults(None, "CNY", None), page, out)
