"""Tables in HTML or Markdown, with the heading and text that precede them.

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
    #: the labels of the tabs the table sits under (region tabs such as 中国内地 / 国际)
    labels: list[str] = field(default_factory=list)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    while head.startswith("<!--") and "-->" in head:  # a saved copy's "<!-- captured ... -->" line
        head = head[head.index("-->") + 3 :].lstrip()
    return head.startswith(("<!doctype", "<html", "<?xml")) or "<body" in head


def markup_tables(text: str) -> list[Table]:
    """Every table of an HTML or Markdown document (``document.find_tables`` also reads rich text)."""
    tables = _html_tables(text) if looks_like_html(text) else _markdown_tables(text)
    return join_split_tables(list(tables))


def join_split_tables(tables: list[Table]) -> list[Table]:
    """A header-only table followed by a body-only table of the same width is one table:
    Element UI's ``el-table`` and Ant Design's fixed headers draw the header row and the
    body rows as two ``<table>``s."""
    out: list[Table] = []
    for table in tables:
        last = out[-1] if out else None
        if last is not None and _header_only(last) and _same_width(last, table) and not _header_only(table):
            out[-1] = Table(last.rows + table.rows, last.heading, last.context, last.headings, last.labels)
            continue
        out.append(table)
    return out


def _header_only(table: Table) -> bool:
    return len(table.rows) == 1 and not any(re.search(r"\d\s*(元|\$|¥)|^\$?\d", c) for c in table.rows[0])


def _same_width(a: Table, b: Table) -> bool:
    return bool(b.rows) and len(a.rows[0]) == max(len(r) for r in b.rows)


# --- HTML -------------------------------------------------------------------

_PARSER = etree.HTMLParser(remove_comments=True)
# libxml2 ends a script at the first "</" + letter, so HTML inside a script's JSON string (a page's
# own copy of its content, with escaped quotes) would be read as tables; browsers end it at </script>
_SCRIPT = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAB_LIST = re.compile(r"tab-item-container|tab-nav-list|tabs?__nav\b|tabs-nav\b|tab-list|tablist", re.I)
_TAB_MARK = re.compile(r"tab(?:-item-container|-nav-list|s__nav|s-nav|-list|list)")
_TAB_CANDIDATES = etree.XPath(
    "//*[@role='tablist' or contains(@class, 'tab-item-container') or contains(@class, 'tab-nav-list')"
    " or contains(@class, 'tabs__nav') or contains(@class, 'tabs-nav') or contains(@class, 'tab-list')"
    " or contains(@class, 'tablist')]"
)
_TAB = re.compile(r"(^|\s)(tab-item|tab-nav-item|el-tabs__item|ant-tabs-tab|tab)(\s|$)", re.I)
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
    m = re.search(r"\d+", value)  # rowspan="2", and the escaped rowspan=\"2\" of a copied DOM
    return max(1, min(int(m.group()), 100)) if m else 1


def _tab_panels(doc: etree._Element) -> dict[etree._Element, str]:
    """Each tab panel with its tab's label: a list of tabs (中国内地 | 全球 | 国际) followed by as
    many sibling panels, the way documentation sites draw region and version tabs."""
    panels: dict[etree._Element, str] = {}
    for box in _TAB_CANDIDATES(doc):  # found by libxml2: a Python walk over every element costs more
        if not (_TAB_LIST.search(box.get("class") or "") or box.get("role") == "tablist"):
            continue
        labels = [
            "".join(t.itertext()).strip()
            for t in box.iter()
            if t is not box and (_TAB.search(t.get("class") or "") or t.get("role") == "tab")
        ]
        labels = [label for label in labels if label]
        if len(labels) < 2:
            continue
        node = box
        for _ in range(3):  # the panels are siblings of the tab list or of its wrapper
            parent = node.getparent()
            if parent is None:
                break
            kids = [c for c in parent if isinstance(c.tag, str)]
            after = kids[kids.index(node) + 1 :]
            if len(after) == len(labels):
                panels.update(zip(after, labels, strict=True))
                break
            node = parent
    return panels


def _labels_of(el: etree._Element, panels: dict[etree._Element, str]) -> list[str]:
    return [panels[a] for a in reversed(list(el.iterancestors())) if a in panels]


def strip_scripts(html: str) -> str:
    """The page without its scripts and styles (as a browser ends them, at ``</script>``)."""
    return _SCRIPT.sub("", html) if "<script" in html or "<SCRIPT" in html or "<style" in html else html


def html_document(html: str) -> etree._Element | None:
    """The parsed page, scripts left out; None for what does not parse."""
    try:
        # plain etree elements: lxml.html's per-element class lookup costs more than the parse
        return etree.fromstring(strip_scripts(html), _PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None


def _html_tables(text: str, heading: str = "", context: str = "") -> Iterator[Table]:
    doc = html_document(text)
    if doc is not None:
        yield from html_tables(doc, heading, context, tabs=has_tabs(text))


def has_tabs(html: str) -> bool:
    """Whether the raw page draws tabs at all (looking for them in its tree costs a walk)."""
    return _TAB_MARK.search(html) is not None


def html_tables(doc: etree._Element, heading: str = "", context: str = "", *, tabs: bool = True) -> Iterator[Table]:
    """The tables of a parsed page (``html_document``), with their headings, text and (where
    ``tabs``) the labels of the tabs they sit under."""
    heading_path: list[str] = [heading] if heading else []
    last_text = context
    # what lies inside a table, found once (asking each element for its ancestors costs more)
    inside = {d for table in doc.iter("table") for d in table.iterdescendants()}
    panels = _tab_panels(doc) if tabs else {}
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
            labels = _labels_of(el, panels) if panels else []
            yield Table(grid(el), _last(heading_path), last_text, [h for h in heading_path if h], labels)
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
_IMAGE = re.compile(r"!\[[^\]]*\]\((?:<[^>]*>|[^)]*)\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:<[^>]*>|[^)]*)\)")
# CommonMark backslash escapes (vendor exports write doubao\-seed\-2.0\-pro and \- for an empty cell)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_START = re.compile(r"^\s*(#{1,6}\s|>|\* \* \*|---+\s*$|```)")


def md_inline(text: str) -> str:
    """Markdown inline markup to plain text (links, bold, escapes, <br>)."""
    text = _BR.sub("\n", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = text.replace("**", "")
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [md_inline(c) for c in cells]


def _pipe_row(line: str) -> bool:
    """A line of a pipe table that a converter wrote without the delimiter row."""
    stripped = line.strip()
    return stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3


#: prose that says which region the tables below it price ("服务部署范围为全球时", "在全球部署模式下")
_SCOPE = re.compile(
    r"(?:部署范围|部署模式|部署地域)\S{0,2}?(?:为|是|:|：)\s*([^\s，。,时的]{2,12}?)(?:时|的|，|。|\s|$)|在\s*([^\s，。]{2,8}?)\s*部署(?:模式|范围)?\s*下"
)


def _scope_of(text: str) -> str | None:
    m = _SCOPE.search(text)
    return (m.group(1) or m.group(2)) if m else None


def _rejoin_split_rows(lines: list[str]) -> list[str]:
    """Rows a converter broke where a cell held blocks (html2text: ``qwen3-max`` / ``> Batch调用半价``
    / ``| 非思考和思考模式| 2.5元``): a table line, then a few lines of cell text, then a line that
    starts with the next cell's ``|``, are one row again."""
    out: list[str] = []
    in_table = False
    i = 0
    while i < len(lines):
        line = lines[i]
        delimiter = bool(_DELIMITER.match(line))
        short = "|" not in line and len(md_inline(line)) <= 40  # a first cell, not a paragraph
        if delimiter:
            in_table = True
        elif _MD_HEADING.match(line) or ("|" not in line and not short):
            in_table = False  # a heading or a paragraph: the table is over
        # a broken row starts with cells ("a| b") or, right under a row, with a short first cell ("qwen3-max")
        under_row = bool(out) and "|" in out[-1]
        starts_row = "|" in line or (in_table and under_row and short and bool(line.strip()))
        if starts_row and not delimiter:
            end = _row_end(lines, i, in_table)
            if end is not None:
                pieces = [lines[k].strip().lstrip(">").strip() for k in range(i, end + 1)]
                out.append(" ".join(p for p in pieces if p))
                i = end + 1
                continue
        out.append(line)
        i += 1
    return out


def _row_end(lines: list[str], start: int, in_table: bool) -> int | None:
    """Where the row broken at ``start`` resumes with ``|``, within a few lines of cell text."""
    if start + 1 >= len(lines) or lines[start + 1].strip() or lines[start].strip().endswith("|"):
        return None  # the next line is the next row, or this row is closed by its "|": not broken
    for k in range(start + 1, min(start + 9, len(lines))):
        text = lines[k].strip()
        if text.startswith("|") and not _DELIMITER.match(lines[k]):
            # the header's last fragment comes right before the delimiter; a body row's anywhere
            return k if in_table or (k + 1 < len(lines) and _DELIMITER.match(lines[k + 1])) else None
        if "|" in text or _MD_HEADING.match(text) or len(md_inline(text)) > 40:
            return None  # a table, a heading or a paragraph: the table ended here
    return None


def _markdown_tables(text: str) -> Iterator[Table]:
    lines = _rejoin_split_rows(text.splitlines()) if "|" in text else text.splitlines()
    heading_path: list[str] = []
    last_text = ""
    #: a region the prose put in force, and the heading level it holds under
    scope: tuple[str, int] | None = None
    level = 0  # of the last heading
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
            if scope is not None and level <= scope[1]:
                scope = None  # a new section of the same rank: the region said above is over
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
        delimited = "|" in line and i + 1 < len(lines) and _DELIMITER.match(lines[i + 1])
        if delimited or _pipe_row(line):
            rows = [split_row(line)]
            i += 2 if delimited else 1
            # GFM: a table runs to the first blank line or the next block
            while i < len(lines) and lines[i].strip() and not _BLOCK_START.match(lines[i]):
                if not delimited and not _pipe_row(lines[i]):
                    break
                rows.append(split_row(lines[i]))
                i += 1
            while rows and not any(rows[0]):  # a headerless table rendered with an empty header row
                rows.pop(0)
            labels = [scope[0]] if scope else []
            yield Table(rows, _last(heading_path), last_text, [h for h in heading_path if h], labels)
            last_text = ""
            continue
        stripped = md_inline(line)
        if stripped and not stripped.startswith(("---", "* * *")):
            last_text = f"{last_text}\n{stripped}".strip()
            found = _scope_of(stripped) if "部署" in stripped else None
            if found:
                scope = (found, level)
        i += 1
