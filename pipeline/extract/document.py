"""A whole document's prices: its tables, else a table a text rendering flattened
into lines, and its price cards (an HTML page's boxes outside its tables)."""

from __future__ import annotations

from pipeline.extract.cards import card_rows, may_have_cards
from pipeline.extract.collect import Collector
from pipeline.extract.flattext import flat_tables
from pipeline.extract.pricetable import TableDefaults, parse_tables
from pipeline.extract.richtext import richtext_tables
from pipeline.extract.tables import (
    Table,
    has_tabs,
    html_document,
    html_tables,
    join_split_tables,
    looks_like_html,
    markup_tables,
    strip_scripts,
)


def find_tables(text: str) -> list[Table]:
    """Every table in a document: HTML, Markdown, or a docs site's rich-text JSON payload."""
    if '"aceTable"' in text:
        found = richtext_tables(text)
        if found is not None:
            return found
    return markup_tables(text)


def parse_document(text: str, defaults: TableDefaults, out: Collector) -> int:
    """Every price table of a document; where none qualifies, a table a text rendering
    flattened into lines; and an HTML page's price cards (a model name with label/value
    pairs). An HTML page is parsed once for its tables and its cards."""
    html = strip_scripts(text) if looks_like_html(text) and '"aceTable"' not in text else None
    doc = html_document(html) if html is not None else None
    tables = join_split_tables(list(html_tables(doc, tabs=has_tabs(text)))) if doc is not None else find_tables(text)
    found = parse_tables(tables, defaults, out)
    if not found:
        found = parse_tables(flat_tables(text), defaults, out)
    if doc is not None and html is not None and may_have_cards(html):
        found += card_rows(doc, defaults, out)
    return found
