"""Volcengine Ark (火山方舟) model prices. The docs page draws its price tables in
the browser from a rich-text JSON document (``ops`` per zone, ``aceTable``
tables: ``pipeline.extract.richtext``), the page's most machine-readable form, read
here with no browser. The JSON comes from the doc centre's document API; that
endpoint's exact address could not be verified from here (see the README), so
when it yields nothing the page itself is rendered in Chromium and its drawn
tables are read instead. Tiers by input/output length (千 token), cache hit,
批量推理 as ``batch``; cache storage per hour, TPM packages and Coding Plan are
not token prices. Ark also resells DeepSeek and Kimi: the model names its maker."""

from __future__ import annotations

from crawler.base import PriceSpider, tables_extract
from pipeline.extract.collect import Collector
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.records import Page

PAGE = "https://www.volcengine.com/docs/82379/1544106"
#: the document API the page calls (unverified address; the page is rendered when it fails)
CONTENT = "https://www.volcengine.com/api/doc/getDocDetail?LibraryID=82379&DocumentID=1544106&type=online"


class VolcengineSpider(PriceSpider):
    name = "volcengine"
    owner = "bytedance"
    browser_fallback = True
    render_instead = {CONTENT: PAGE}
    render_wait = "table"
    description = "Volcengine Ark 模型服务价格: the doc's JSON content, else the rendered page (Doubao; 元/百万token)"
    start_urls = [CONTENT]

    @classmethod
    def url_for(cls, text: str) -> str:
        return CONTENT if '"aceTable"' in text else PAGE

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        tables_extract(TableDefaults(None, "CNY", 1_000_000), page, out)
