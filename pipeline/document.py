"""A whole document's prices: its tables, else a table a text rendering flattened
into lines, and its price cards (an HTML page's boxes outside its tables)."""

from __future__ import annotations

from pipeline.cards import card_rows
from pipeline.collect import Collector
from pipeline.flattext import flat_tables
from pipeline.pricetable import TableDefaults, parse_tables
from pipeline.tables import find_tables, looks_like_html


def parse_document(text: str, defaults: TableDefaults, out: Collector) -> int:
    """Every price table of a document; where none qualifies, a table a text rendering
    flattened into lines, and price cards (a model name with label/value pairs)."""
    found = parse_tables(find_tables(text), defaults, out)
    if not found:
        found = parse_tables(flat_tables(text), defaults, out)
    if looks_like_html(text):
        found += card_rows(text, defaults, out)
    return found
