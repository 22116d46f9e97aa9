"""Price cards: a model's name, then label/value pairs ("GLM-5.3 … 输入单价
8元 / M … 输出单价 28元 / M"), drawn as boxes rather than table rows. Read from
the page's text outside its tables, in reading order, so a new card layout
needs no new selector: a model name opens a card, a component label followed
by a price (in the same text or the next) is one price of that card."""

from __future__ import annotations

import re

from lxml import etree

from pipeline.collect import Collector
from pipeline.headers import component_of
from pipeline.pricetable import TableDefaults
from pipeline.providers import normalise_model, provider_from_model
from pipeline.tables import html_document
from pipeline.units import MONEY, PriceError, clean, parse_price

_SKIP = {"script", "style", "noscript", "table", "head", "svg", "nav", "footer"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+")  # GLM-5.3, deepseek-v4-pro
_PRICE = re.compile(rf"{MONEY.pattern}|免费|\bfree\b", re.I)


def card_rows(html: str, defaults: TableDefaults, out: Collector) -> int:
    """Add every card price of ``html`` to ``out``; returns how many were added."""
    texts = _texts(html)
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


def _texts(html: str) -> list[str]:
    """The page's short texts outside tables, in reading order."""
    doc = html_document(html)
    if doc is None:
        return []
    out: list[str] = []
    skipping = 0  # inside a table, script... (a walk of events: deep pages need no recursion)
    for event, el in etree.iterwalk(doc, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            elif not skipping and el.text and el.text.strip():
                out.append(clean(el.text))
            continue
        if tag in _SKIP:
            skipping -= 1
        if not skipping and el.tail and el.tail.strip():
            out.append(clean(el.tail))
    return out
