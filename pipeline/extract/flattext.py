"""A price table that a text rendering flattened into lines (Jina Reader and
other crawlers' Markdown of a Docusaurus table): ``MODEL a(1)b`` and then
``1M INPUT TOKENS (CACHE HIT)$0.0028$0.003625``. Rebuilt as a transposed
table (models across the header row), which ``pricetable`` reads as any other."""

from __future__ import annotations

import re

from pipeline.extract.tables import Table, md_inline
from pipeline.extract.units import MONEY

_MODELS = re.compile(r"^\W*(?:MODEL|Model|模型)\s+(.+)$")
_VALUE = re.compile(rf"{MONEY.pattern}|免费|\bFree\b", re.I)
_FOOTNOTE = re.compile(r"\(\d\)|（\d）|\[\d\]")
_MODEL_ID = re.compile(r"^[A-Za-z][\w.\-]*$")


def flat_tables(text: str) -> list[Table]:
    """Each flattened model table of ``text`` as a ``Table``."""
    lines = [md_inline(line) for line in text.splitlines()]
    tables = []
    i = 0
    while i < len(lines):
        models = _starts_table(lines[i])
        if not models:
            i += 1
            continue
        rows: list[list[str]] = [["MODEL", *models]]
        label: list[str] = []  # the lines since the last row of prices: that row's label
        i += 1
        while i < len(lines) and not _starts_table(lines[i]):
            line = lines[i].strip()
            if not line and len(rows) > 1 and not label:
                break
            values = _VALUE.findall(line)
            head = _FOOTNOTE.sub(" ", _VALUE.split(line)[0]).strip()
            if values and len(values) in (1, len(models)):
                rows.append([_label([*label, head]), *values])
                label = []
            elif line and not values:
                label.append(_FOOTNOTE.sub(" ", line))
            i += 1
        if len(rows) > 1:
            tables.append(Table(rows))
    return tables


_SECTION = re.compile(r"PRICING|Pricing|价格")


def _label(lines: list[str]) -> str:
    """A row's label: its own line and the lines just above it, from the section word
    (PRICING, 价格) on; the feature rows above a price row are not part of its label."""
    for back in range(len(lines) - 1, -1, -1):
        m = list(_SECTION.finditer(lines[back]))
        if m:
            return " ".join([lines[back][m[-1].end() :], *lines[back + 1 :]]).strip()
    return " ".join(lines[-2:]).strip()


def _starts_table(line: str) -> list[str]:
    """The model ids a ``MODEL a(1)b`` line names (not ``MODEL VERSION ...``)."""
    m = _MODELS.match(line)
    if m is None:
        return []
    names = [n for part in _FOOTNOTE.split(m.group(1)) for n in part.split() if n]
    # a model id has a digit or a hyphen; "VERSION" or "NAME" is a row label
    return names if all(_MODEL_ID.match(n) and re.search(r"[\d-]", n) for n in names) else []
