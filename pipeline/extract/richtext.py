"""Tables of a rich-text document payload: the JSON a documentation site's
single-page app loads and draws (Volcengine's doc centre: Etherpad/Quill-style
``ops`` per zone, tables as ``aceTable`` zones).

A table is a rows zone (``rs…``) and a columns zone (``cs…``) whose ops list
the row and column ids in order; the cell at row ``r`` and column ``c`` is the
zone ``x<r>x<c>``. A merged cell (rowspan/colspan) is a ``mergeCellID`` that
its rows and its columns both carry: its text stands in the first cell and is
copied into every cell it covers, as ``tables.grid`` does for HTML spans.
The headings and the text before each table come from the main zone's lines.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.extract.tables import Table


def richtext_tables(text: str) -> list[Table] | None:
    """The document's tables, or None when ``text`` is not such a payload."""
    doc = _payload(text)
    if doc is None:
        return None
    zones: dict[str, Any] = doc
    main = zones.get("0")
    if not isinstance(main, dict):
        return None
    tables: list[Table] = []
    headings: list[str] = []
    context: list[str] = []
    line: list[str] = []
    for op in main.get("ops") or []:
        if not isinstance(op, dict):
            continue
        attrs = op.get("attributes") or {}
        insert = op.get("insert")
        if isinstance(attrs, dict) and attrs.get("aceTable"):
            rows_id, _, cols_id = str(attrs["aceTable"]).partition(" ")
            rows = _grid(zones, rows_id, cols_id)
            if rows:
                tables.append(Table(rows, headings[-1] if headings else "", "\n".join(context)[-2000:], list(headings)))
            context = []
            continue
        if isinstance(attrs, dict) and attrs.get("heading"):
            level = _level(str(attrs["heading"]))
            del headings[level - 1 :]
            headings.extend([""] * (level - 1 - len(headings)))
            headings.append("\x00")  # filled with the line's text when it ends
            continue
        if not isinstance(insert, str) or (insert == "*" and attrs.get("lmkr")):
            continue
        for i, part in enumerate(insert.split("\n")):
            if i:
                _end_line("".join(line).strip(), headings, context)
                line = []
            line.append(part)
    return [t for t in tables if t.rows]


def _payload(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        doc = json.loads(text[start:])
    except ValueError:
        return None
    # the docs API wraps the document as a JSON string: {"Result": {"Content": "{...}"}}
    for key in ("Result", "result"):
        if isinstance(doc, dict) and isinstance(doc.get(key), dict):
            content = doc[key].get("Content") or doc[key].get("content")
            if isinstance(content, str):
                try:
                    doc = json.loads(content)
                except ValueError:
                    return None
    data = doc.get("data") if isinstance(doc, dict) else None
    return data if isinstance(data, dict) else None


def _level(heading: str) -> int:
    digits = "".join(ch for ch in heading if ch.isdigit())
    return max(1, min(int(digits or 1), 6))


def _end_line(text: str, headings: list[str], context: list[str]) -> None:
    if headings and headings[-1] == "\x00":
        headings[-1] = text
        context.clear()
    elif text:
        context.append(text)


def _ids(zone: Any) -> list[tuple[str, set[str]]]:
    """(id, merge ids) of each row or column, in order."""
    out = []
    for op in (zone or {}).get("ops") or []:
        insert = op.get("insert") if isinstance(op, dict) else None
        if isinstance(insert, dict) and insert.get("id"):
            merged = str((op.get("attributes") or {}).get("mergeCellID") or "")
            out.append((str(insert["id"]), {m for m in merged.split(",") if m}))
    return out


def _cell_text(zone: Any) -> str:
    parts = []
    for op in (zone or {}).get("ops") or []:
        insert = op.get("insert") if isinstance(op, dict) else None
        attrs = (op.get("attributes") or {}) if isinstance(op, dict) else {}
        if isinstance(insert, str) and not (insert == "*" and attrs.get("lmkr")):
            parts.append(insert)
    return "\n".join(line.strip() for line in "".join(parts).splitlines() if line.strip())


def _grid(zones: dict[str, Any], rows_id: str, cols_id: str) -> list[list[str]]:
    rows, cols = _ids(zones.get(rows_id)), _ids(zones.get(cols_id))
    merged: dict[str, str] = {}
    grid: list[list[str]] = []
    for r, r_merge in rows:
        row = []
        for c, c_merge in cols:
            text = _cell_text(zones.get(f"x{r}x{c}"))
            group = next(iter(r_merge & c_merge), None)
            if group is not None:
                if text and group not in merged:
                    merged[group] = text
                text = merged.get(group, text)
            row.append(text)
        grid.append(row)
    return [row for row in grid if any(row)]
