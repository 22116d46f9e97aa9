"""One way to print records: a rich table for people, JSON lines or CSV for programs."""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from pipeline.extract.units import fmt


def _width() -> int | None:
    """The terminal's width; piped, ``COLUMNS`` when set, else wide enough that nothing wraps."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 10_000


console = Console(width=_width())
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def plain(value: Any) -> Any:
    """JSON-ready: decimals as canonical strings, datetimes as ISO 8601 UTC, dates as ISO dates."""
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _nested(value: Any) -> Any:
    """For json.dumps: whatever ``plain`` makes of nested values."""
    converted = plain(value)
    return str(converted) if converted is value else converted


def dumps(value: Any) -> str:
    """A record (or a list of them) as JSON: decimals as strings, times in ISO 8601 UTC."""
    if isinstance(value, dict):
        value = {k: plain(v) for k, v in value.items()}
    elif isinstance(value, list):
        value = [{k: plain(v) for k, v in r.items()} if isinstance(r, dict) else r for r in value]
    return json.dumps(value, ensure_ascii=False, default=_nested)


def emit(
    records: Sequence[dict[str, Any]],
    fmt_: Format,
    columns: Sequence[tuple[str, str]],
    title: str = "",
    fields: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> None:
    """Print ``records``; ``columns`` (key, heading) choose what a table shows, ``fields``
    (the record shape, ``llmwatch.records``) the header of a CSV file, rows or none; ``drop``
    the table columns a narrow terminal can do without, the least needed first."""
    if fmt_ is Format.json:
        for rec in records:
            sys.stdout.write(dumps(rec) + "\n")
        return
    if fmt_ is Format.csv:
        header = list(fields) or list(dict.fromkeys(k for rec in records for k in rec)) or [k for k, _ in columns]
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        for rec in records:
            writer.writerow([csv_value(rec.get(k)) for k in header])
        return
    console.print(_table(records, columns, title, drop))
    if not records:
        console.print("[dim](nothing to show)[/dim]")


def _table(
    records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], title: str, drop: Sequence[str] = ()
) -> Table:
    """A table as wide as the terminal: empty columns go first, then those in ``drop`` (the
    least needed first), then text is cut (with …), then the last columns; a number is never
    cut or split across lines."""
    cells = {k: [_cell(rec.get(k)) for rec in records] for k, _ in columns}
    natural = {k: max([cell_len(h), *(cell_len(c) for c in cells[k])]) for k, h in columns}
    numeric = {k: all(_NUMBER.fullmatch(c) for c in cells[k] if c) for k, _ in columns}
    keep = [(k, h) for k, h in columns if any(cells[k])] if records else list(columns)
    keep = keep or list(columns)
    widths = dict(natural)
    room = console.width

    def total() -> int:
        return sum(widths[k] for k, _ in keep) + 3 * len(keep) + 1

    for name in drop:
        if total() > room and len(keep) > 1:
            keep = [c for c in keep if c[0] != name] or keep
    for k, h in sorted(keep, key=lambda c: -natural[c[0]]):  # the widest text first
        if total() <= room:
            break
        if not numeric[k]:
            widths[k] = max(min(natural[k], 12), cell_len(h), widths[k] - (total() - room))
    while total() > room and len(keep) > 1:
        keep.pop()
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for k, heading in keep:
        table.add_column(
            heading,
            no_wrap=True,
            overflow="ellipsis",
            max_width=widths[k],
            min_width=widths[k] if numeric[k] else None,
        )
    for i in range(len(records)):
        table.add_row(*(cells[k][i] for k, _ in keep))
    return table


#: a cell that is a number (or a date, a time): shown whole, never cut
_NUMBER = re.compile(r"[-+~$]?[\d.,:/ T-]+[%BM]?(?: [A-Z]{3})?")


def csv_value(value: Any) -> str:
    """A CSV cell programs can read: ISO 8601 times, plain numbers, true/false, JSON for lists
    and objects, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=_nested)
    return str(plain(value))


def like_source(cny: Decimal | None, amount: Decimal | None, currency: str) -> str:
    """A converted figure shown to the precision of the figure it came from (0.028 USD ->
    ``0.20``, not ``0.20104``); a CNY figure as written."""
    if cny is None or amount is None or currency == "CNY" or not cny:
        return "" if cny is None else fmt(cny)
    digits = max(2, len(amount.normalize().as_tuple().digits))
    return f"{cny.quantize(Decimal(1).scaleb(cny.adjusted() - digits + 1)):f}"


_QUALIFIERS = {"over": "over ", "about": "~", "up_to": "up to "}


def money_label(amount: Any, currency: str | None, qualifier: str | None = None, high: Any = None) -> str:
    """An amount as people read it: ``$1.0B``, ``$342M``, ``50亿元``, ``1.2B HKD``; ranges as ``$1B–2B``."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if currency == "CNY":
        unit, name = next(((u, n) for u, n in _CN if value >= u), (Decimal(1), ""))
        text = fmt((value / unit).quantize(Decimal("0.01")).normalize()) + name + "元"
    else:
        unit, name = next(((u, n) for u, n in _EN if value >= u), (Decimal(1), ""))
        scaled = (value / unit).quantize(Decimal("0.1"))
        # $1.0B as the news writes it; $342M and $1.5M with no needless decimal
        text = (f"{scaled:f}" if name == "B" else fmt(scaled.normalize())) + name if name else f"{value:,f}"
        text = f"${text}" if currency == "USD" else (f"{text} {currency}" if currency else text)
    if high is not None and qualifier == "range":
        return f"{text}–{money_label(high, currency)}"
    return _QUALIFIERS.get(qualifier or "", "") + text


_CN = ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))
_EN = ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(plain(value))
