"""One way to print records: a rich table for people, JSON lines or CSV for programs."""

from __future__ import annotations

import contextlib
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

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Text

from pipeline.extract.units import fmt


def _width() -> int | None:
    """The terminal's width; piped, ``COLUMNS`` when set, else wide enough that nothing wraps."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 10_000


class _Pipe:
    """``sys.stdout`` or ``sys.stderr`` (looked up at each write, so redirection works) that,
    once its reader has gone (``llmwatch crawl | head -1``), drops what is written instead of
    raising: a closed pipe must neither stop a crawl half-way nor hang its shutdown."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _stream(self) -> Any:
        return getattr(sys, self.name)

    def write(self, text: str) -> int:
        try:
            return int(self._stream().write(text))
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream().flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        # the interpreter flushes the stream again at exit: let that go to /dev/null
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream().fileno())

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding: the stream's own
        return getattr(self._stream(), name)


#: what the commands print to: people's tables on stdout, messages on stderr
out = _Pipe("stdout")
console = Console(file=out, width=_width())  # type: ignore[arg-type]
err = Console(file=_Pipe("stderr"), soft_wrap=True)  # type: ignore[arg-type]


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
            out.write(dumps(rec) + "\n")
        return
    if fmt_ is Format.csv:
        header = list(fields) or list(dict.fromkeys(k for rec in records for k in rec)) or [k for k, _ in columns]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for rec in records:
            writer.writerow([csv_value(rec.get(k)) for k in header])
        return
    console.print(_table(records, columns, title, drop), soft_wrap=True)
    if not records:
        console.print("[dim](nothing to show)[/dim]")


def _table(
    records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], title: str, drop: Sequence[str] = ()
) -> Text:
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
    shown = [widths[k] if numeric[k] else min(widths[k], natural[k]) for k, _ in keep]
    return _draw([h for _, h in keep], [[cells[k][i] for k, _ in keep] for i in range(len(records))], shown, title)


def _fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with …"""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _draw(headings: list[str], rows: list[list[str]], widths: list[int], title: str) -> Text:
    """The table in Rich's heavy-head box, drawn directly: Rich's own Table lays out every
    cell as a renderable (0.2 s for 360 rows, most of ``llmwatch prices``' half second)."""

    def line(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells: list[str], bar: str) -> str:
        return bar + bar.join(f" {_fit(c, w)} " for c, w in zip(cells, widths, strict=True)) + bar

    out = Text(no_wrap=True, overflow="crop")
    if title:
        out.append(title.center(sum(widths) + 3 * len(widths) + 1).rstrip() + "\n", style="italic")
    out.append(line("┏", "━", "┳", "┓") + "\n")
    bar = "┃"
    out.append(bar)
    for heading, w in zip(headings, widths, strict=True):
        out.append(f" {_fit(heading, w)} ", style="bold")
        out.append(bar)
    out.append("\n" + line("┡", "━", "╇", "┩") + "\n")
    out.append("".join(row(cells, "│") + "\n" for cells in rows))
    out.append(line("└", "─", "┴", "┘"))
    return out


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
