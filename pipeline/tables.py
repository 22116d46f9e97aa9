"""Find tables in HTML or Markdown, with the heading and text that precede them.

HTML tables are expanded to a full grid (``rowspan``/``colspan`` copied into
every cell they cover), so later code reads cells by header meaning, never by
position. Markdown pipe tables keep each row's own cell count: a crawler's
Markdown rendering drops rowspan cells, and the price-table parser needs to
see that a row came out short.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree


@dataclass
class Table:
    rows: list[list[str]]
    heading: str = ""
    #: the text between the previous heading or table and this one
    #: (labels such as "阿里云平台价格：")
    context: str = ""
    headings: list[str] = field(default_factory=list)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype", "<html", "<?xml")) or "<body" in head


def find_tables(text: str) -> list[Table]:
    """Every table in a document, HTML or Markdown."""
    return list(_html_tables(text) if looks_like_html(text) else _markdown_tables(text))


# --- HTML -------------------------------------------------------------------

_PARSER = etree.HTMLParser(remove_comments=True)
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = {"p", "div", "li", "span", "strong", "b", "section"}


def cell_text(el: etree._Element, *, plain: bool = False) -> str:
    """Text of a cell with ``<br>`` and block ends as newlines (``plain``: the caller knows
    that no ``br``, ``p``, ``script`` or ``style`` is inside)."""
    if len(el) == 0:  # the common cell: text only
        return _lines(el.text or "")
    if plain or next(el.iter("br", "p", "script", "style"), None) is None:  # inline markup only: its text
        # serialised as text by libxml2 itself: the same string as joining itertext(), 5x faster
        return _lines(etree.tostring(el, method="text", encoding=str, with_tail=False))
    parts: list[str] = []
    for node in el.iter():
        if node.tag == "br":
            parts.append("\n")
        if node.text and node.tag not in ("script", "style"):
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
        if node.tag == "p" and node is not el:
            parts.append("\n")
    return _lines("".join(parts))


def _lines(text: str) -> str:
    """Each line stripped, blank lines dropped."""
    lines = text.splitlines()
    if len(lines) <= 1:
        return text.strip()
    return "\n".join(line.strip() for line in lines if line.strip())


def grid(table: etree._Element) -> list[list[str]]:
    """A table as rows of cell texts, spans expanded."""
    rows: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    plain = next(table.iter("br", "p", "script", "style"), None) is None  # asked once, not per cell
    for r, tr in enumerate(table.iter("tr")):
        row: list[str] = []
        col = 0
        cells = [c for c in tr if c.tag in ("td", "th")]
        for cell in cells:
            while (r, col) in pending:
                row.append(pending.pop((r, col)))
                col += 1
            text = cell_text(cell, plain=plain)
            rowspan = _span(cell.get("rowspan"))
            colspan = _span(cell.get("colspan"))
            for dc in range(colspan):
                row.append(text)
                for dr in range(1, rowspan):
                    pending[(r + dr, col + dc)] = text
            col += colspan
        while (r, col) in pending:
            row.append(pending.pop((r, col)))
            col += 1
        rows.append(row)
    return [row for row in rows if any(row)]


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


def _html_tables(text: str, heading: str = "", context: str = "") -> Iterator[Table]:
    try:
        # plain etree elements: lxml.html's per-element class lookup costs more than the parse
        doc = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return
    if doc is None:
        return
    heading_path: list[str] = [heading] if heading else []
    last_text = context
    # what lies inside a table, found once (asking each element for its ancestors costs more)
    inside = {d for table in doc.iter("table") for d in table.iterdescendants()}
    for el in doc.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _HEADING_TAGS:
            level = int(tag[1])
            del heading_path[level - 1 :]
            heading_path.extend([""] * (level - 1 - len(heading_path)))
            heading_path.append("".join(el.itertext()).strip())
            last_text = ""
        elif tag == "table":
            if el in inside:  # a table within a table is read as part of the outer one
                continue
            yield Table(grid(el), _last(heading_path), last_text, [h for h in heading_path if h])
            last_text = ""
        elif tag in _BLOCK_TAGS and el not in inside:
            own = (el.text or "").strip()
            if own:
                last_text = f"{last_text}\n{own}".strip()[-2000:]


def _last(path: list[str]) -> str:
    return next((h for h in reversed(path) if h), "")


# --- Markdown ---------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\((?:<[^>]*>|[^)]*)\)")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_START = re.compile(r"^\s*(#{1,6}\s|>|\* \* \*|---+\s*$|```)")


def md_inline(text: str) -> str:
    """Markdown inline markup to plain text (links, bold, escapes, <br>)."""
    text = _BR.sub("\n", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = text.replace("**", "").replace("\\$", "$").replace("\\_", "_").replace("\\|", "|")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [md_inline(c) for c in cells]


def _markdown_tables(text: str) -> Iterator[Table]:
    lines = text.splitlines()
    heading_path: list[str] = []
    last_text = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _MD_HEADING.match(line)
        if m:
            level = len(m.group(1))
            del heading_path[level - 1 :]
            heading_path.extend([""] * (level - 1 - len(heading_path)))
            heading_path.append(md_inline(m.group(2)))
            last_text = ""
            i += 1
            continue
        if "<table" in line.lower():
            end = i
            while end < len(lines) and "</table>" not in lines[end].lower():
                end += 1
            block = "\n".join(lines[i : end + 1])
            for t in _html_tables(f"<html><body>{block}</body></html>", _last(heading_path), last_text):
                t.headings = [h for h in heading_path if h]
                yield t
            i = end + 1
            continue
        if "|" in line and i + 1 < len(lines) and _DELIMITER.match(lines[i + 1]):
            rows = [split_row(line)]
            i += 2
            # GFM: a table runs to the first blank line or the next block
            while i < len(lines) and lines[i].strip() and not _BLOCK_START.match(lines[i]):
                rows.append(split_row(lines[i]))
                i += 1
            yield Table(rows, _last(heading_path), last_text, [h for h in heading_path if h])
            last_text = ""
            continue
        stripped = md_inline(line)
        if stripped and not stripped.startswith(("---", "* * *")):
            last_text = f"{last_text}\n{stripped}".strip()
        i += 1
