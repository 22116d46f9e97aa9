"""Pricing extraction quality: how many of the hand-checked key prices of the real
official pages (tests/fixtures/key_prices.json, typed from each page's .source.txt)
each source gives, on the saved page itself and on the same page as three
Markdown converters render it (trafilatura, html2text, markdownify): the layouts
a crawler's Markdown export of the next version of the page will have. The
converters' renderings were not in the fixtures the table layer was first
written on; the README says which were scored before the layer was fixed.

    .venv/bin/python -m bench.pricing_quality
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from crawler import registry
from pipeline.extract.records import Page
from pipeline.extract.tables import looks_like_html, strip_scripts

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
KEYS: dict[str, list[list[str | None]]] = {
    k: v for k, v in json.loads((FIXTURES / "key_prices.json").read_text(encoding="utf-8")).items() if k[0] != "_"
}


def _trafilatura(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, output_format="markdown", include_tables=True, include_formatting=True) or ""


def _html2text(html: str) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0  # no wrapping: a wrapped table row is no table row
    return str(converter.handle(strip_scripts(html)))


def _markdownify(html: str) -> str:
    import markdownify

    return str(markdownify.markdownify(strip_scripts(html)))


RENDERINGS: dict[str, Callable[[str], str]] = {
    "trafilatura": _trafilatura,
    "html2text": _html2text,
    "markdownify": _markdownify,
}


def score(fixture: str, text: str) -> tuple[int, int, list[tuple[str | None, ...]]]:
    """(key prices right, key prices listed, the ones missed) for ``text`` read as ``fixture``'s source."""
    source = fixture.split("/", maxsplit=1)[0]
    page = Page(registry.get(source).url_for(text), text.encode(), datetime(2026, 6, 1, tzinfo=UTC))
    rows = {
        (r.model, r.component, r.condition): (r.amount_per_mtok, r.currency)
        for r in registry.extract(source, page).rows
    }
    missed = []
    for model, component, condition, amount, currency in KEYS[fixture]:
        got = rows.get((model, component, condition))
        if got is None or got != (Decimal(str(amount)), currency):
            missed.append((model, component, condition, amount))
    return len(KEYS[fixture]) - len(missed), len(KEYS[fixture]), missed


def table() -> list[tuple[str, str, int, int]]:
    """(fixture, form, right, listed) for every real page and every rendering of an HTML page."""
    out = []
    for fixture in KEYS:
        text = (FIXTURES / fixture).read_text(encoding="utf-8")
        out.append((fixture, "as saved", *score(fixture, text)[:2]))
        if looks_like_html(text):
            for name, render in RENDERINGS.items():
                out.append((fixture, name, *score(fixture, render(text))[:2]))
    return out


def main() -> None:
    rows = table()
    print(f"{'page':<78} {'form':<12} key prices")
    for fixture, form, right, listed in rows:
        print(f"{fixture:<78} {form:<12} {right:>3}/{listed}")
    right, listed = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"ratio: {right / listed:.2f} (key prices right / key prices listed, {right}/{listed})")


if __name__ == "__main__":
    main()
