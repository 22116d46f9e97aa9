"""Price cards: a model's name, then label/value pairs ("GLM-5.3 … 输入单价
8元 / M … 输出单价 28元 / M"), drawn as boxes rather than table rows. Read from
the page's text outside its tables, in reading order, so a new card layout
needs no new selector: a model name opens a card, a component label followed
by a price (in the same text or the next) is one price of that card."""

from __future__ import annotations

import re

from lxml import etree

from pipeline.extract.collect import Collector
from pipeline.extract.headers import component_of
from pipeline.extract.pricetable import TableDefaults
from pipeline.extract.providers import normalise_model, provider_from_model
from pipeline.extract.units import MONEY, PriceError, clean, parse_price

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+")  # GLM-5.3, deepseek-v4-pro
_PRICE = re.compile(rf"{MONEY.pattern}|免费|\bfree\b", re.I)


_MARKS = ("元", "$", "¥", "￥", "免费", "Free", "free")


def may_have_cards(html: str) -> bool:
    """Whether a price mark stands outside the page's tables (most pages: every price in a table,
    so nothing is walked); asked of the raw page, which costs a tenth of a walk of its tree."""
    start = 0
    while True:  # the text between tables, by plain substring searches
        begin = html.find("<table", start)
        if any(mark in html[start : begin if begin >= 0 else len(html)] for mark in _MARKS):
            return True
        end = html.find("</table", begin) if begin >= 0 else -1
        if end < 0:
            return False
        start = end


def card_rows(doc: etree._Element, defaults: TableDefaults, out: Collector) -> int:
    """Add every card price of a parsed page (``tables.html_document``) to ``out``; returns how many."""
    texts = _texts(doc)
    model = provider = component = None
    added = 0
    for text in texts:
        if len(text) <= 40 and _NAME.fullmatch(text):
            candidate = normalise_model(text)
            maker = defaults.provider or provider_from_model(candidate)
            if maker:
                model, provider, component = candidate, maker, None
                continue
        if model is None or len(text) > 40:
            component = None
            continue
        label = component_of(text)
        found = _PRICE.search(text)
        if label and found:
            added += _add(out, provider, model, label, text[found.start() :], defaults)
            component = None
        elif label:
            component = label
        elif component and _PRICE.match(text):
            added += _add(out, provider, model, component, text, defaults)
            component = None
    return added


def _add(out: Collector, provider: str | None, model: str, component: str, text: str, defaults: TableDefaults) -> int:
    try:
        price = parse_price(text, currency=defaults.currency, per_tokens=defaults.per_tokens)
    except PriceError as exc:
        out.reject(f"{model} {component}: {exc}", text)
        return 0
    out.add(provider, model, component, None, price)
    return 1


# the page's texts outside tables (and scripts, navigation...), in reading order, found by libxml2
_OUTSIDE = etree.XPath(
    "//body//text()[not(ancestor::table or ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::svg or ancestor::nav or ancestor::footer)]"
)


def _texts(doc: etree._Element) -> list[str]:
    """The page's short texts outside tables, in reading order (a longer one is prose: kept as a
    break between cards, not read)."""
    out = []
    for node in _OUTSIDE(doc):
        text = str(node).strip()
        if text:
            out.append(clean(text) if len(text) <= 60 else text)
    return out
