"""llmprice.cn (github.com/flanker/llmprice.cn): a README table, and an
index.html whose cards are drawn from a JavaScript array in a <script>.

Without a browser the array is read as data (chompjs). Rendered in Chromium
(``[crawl] render = ["llmprice_cn"]``) the page's drawn cards are read
instead: one card per provider, one table row per model."""

from __future__ import annotations

import re

import chompjs
from parsel import Selector

from crawler.base import PriceSpider
from pipeline.extract.collect import Collector
from pipeline.extract.document import find_tables
from pipeline.extract.pricetable import TableDefaults, header_role, parse_tables
from pipeline.extract.providers import normalise_model, provider_from_model, provider_from_text
from pipeline.extract.records import Page
from pipeline.extract.tables import looks_like_html
from pipeline.extract.units import dec

_DATA = re.compile(r"providersData\s*=\s*(\[)", re.S)


class LlmpriceCnSpider(PriceSpider):
    name = "llmprice_cn"
    authority = 1
    description = "Community site llmprice.cn: index.html script data, README table (元 per 1M tokens)"
    start_urls = [
        "https://llmprice.cn/",
        "https://raw.githubusercontent.com/flanker/llmprice.cn/main/README.md",
    ]

    @classmethod
    def url_for(cls, text: str) -> str:
        return cls.start_urls[0] if looks_like_html(text) else cls.start_urls[1]

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        text = page.text
        if not looks_like_html(text):
            parse_tables(find_tables(text), TableDefaults(None, "CNY", 1_000_000), out)
            return
        cards = Selector(text=text).css(".provider-card")
        if cards:  # the rendered DOM: what a visitor sees
            _cards(cards, out)
            return
        m = _DATA.search(text)
        if m is None:
            out.empty_reason = "no providersData array in the page's scripts"
            return
        try:
            providers = chompjs.parse_js_object(text[m.start(1) :])
        except ValueError as exc:
            out.reject(f"providersData is not a readable JavaScript array: {exc}", text[m.start(1) : m.start(1) + 200])
            return
        if not isinstance(providers, list):
            out.reject("providersData is not an array", str(providers)[:200])
            return
        for vendor in providers:
            if not isinstance(vendor, dict):
                out.reject("a providersData entry is not an object", str(vendor)[:200])
                continue
            vendor_id = provider_from_text(str(vendor.get("name", "")))
            models = vendor.get("models")
            for item in models if isinstance(models, list) else []:
                if not isinstance(item, dict):
                    out.reject("a model entry is not an object", str(item)[:200])
                    continue
                model = normalise_model(str(item.get("name", "")))
                provider = vendor_id or provider_from_model(model)
                for field, component in (("inputPrice", "input"), ("outputPrice", "output")):
                    if field not in item:
                        continue
                    value = item[field]
                    raw = f"{field}: {value}" + (", isFree: true" if item.get("isFree") else "")
                    if not isinstance(value, int | float) or value < 0:
                        out.reject(f"{model} {component}: not a price", raw)
                        continue
                    # the page's data is 元 per 1M tokens (its README and card labels say so)
                    out.add_amount(provider, model, component, None, dec(value), "CNY", raw)


def _cards(cards: list[Selector], out: Collector) -> None:
    for card in cards:
        vendor = " ".join(card.css(".provider-name ::text").getall()).strip()
        vendor_id = provider_from_text(vendor)
        roles = [header_role(" ".join(th.css("::text").getall())) for th in card.css("thead th")]
        for row in card.css("tr[data-model-name]"):
            model = normalise_model(" ".join(row.css(".model-name ::text").getall()))
            provider = vendor_id or provider_from_model(model)
            for role, td in zip(roles, row.css("td"), strict=False):
                if role not in ("input", "output"):
                    continue
                # the yuan figure, without the dollar note and the bar beside it
                cell = " ".join(td.css(".price-input ::text, .price-output ::text, .price-free ::text").getall())
                if cell.strip():  # the page says: 价格单位：元/百万 Token
                    out.add_text(provider, model, role, None, cell, currency="CNY", per_tokens=1_000_000)
