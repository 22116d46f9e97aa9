"""Dates: llmwatch's date module against plain ``dateparser.parse`` on a mix of
the forms news pages use (domain.md §3), same strings, same process.

Prints both rates, how many answers differ, and ``ratio: X`` (llmwatch / dateparser).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import dateparser

from pipeline.extract.dates import SHANGHAI, parse_date

BASE = datetime(2024, 7, 6, 12, 0, tzinfo=SHANGHAI)


def corpus(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        day = BASE - timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        form = rng.choice(["cn", "iso", "isot", "md", "ago", "yday", "en", "rfc"])
        out.append(
            {
                "cn": f"{day.year}年{day.month}月{day.day}日",
                "iso": day.strftime("%Y-%m-%d %H:%M"),
                "isot": day.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "md": day.strftime("%m-%d"),
                "ago": f"{rng.randint(1, 23)}小时前",
                "yday": f"昨天 {day:%H:%M}",
                "en": day.strftime("%b %-d, %Y"),
                "rfc": day.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }[form]
        )
    return out


def plain(text: str) -> datetime | None:
    settings = {
        "RELATIVE_BASE": BASE.replace(tzinfo=None),
        "TIMEZONE": "Asia/Shanghai",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    value = dateparser.parse(text, languages=["zh", "en"], settings=settings)
    return value.astimezone(UTC) if value else None


def rate(fn, items: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    results = [fn(t) for t in items]
    return len(items) / (time.perf_counter() - start), results


def main() -> None:
    items = corpus(3000)
    plain(items[0]), parse_date(items[0], BASE)  # warm both (imports, language data)
    base_rate, expected = rate(plain, items)
    ours_rate, got = rate(lambda t: parse_date(t, BASE), items)
    differ = [(t, e, g) for t, e, g in zip(items, expected, got, strict=True) if e != g]
    print(f"strings: {len(items)} (8 forms, zh and en)")
    print(f"dateparser.parse: {base_rate:,.0f}/s")
    print(f"llmwatch parse_date: {ours_rate:,.0f}/s")
    print(f"answers that differ: {len(differ)}")
    for t, e, g in differ[:5]:
        print(f"  {t!r}: dateparser {e} vs llmwatch {g}")
    print(f"ratio: {ours_rate / base_rate:.1f} (llmwatch dates / plain dateparser, parses per second)")


if __name__ == "__main__":
    main()
