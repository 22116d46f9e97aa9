"""Fixture cases: every saved page under ``tests/fixtures/<source>/`` with the
expected output beside it (``<file>.expected.json``).

The clock is frozen at the capture date in the file name, so dated exchange
rates and URLs are the same on every run.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import registry
from llmwatch.output import plain
from llmwatch.records import price_row
from pipeline.extract.records import Page, decode_body

FIXTURES = Path(__file__).parent / "fixtures"


def cases() -> list[Path]:
    names = registry.sources()
    return sorted(
        p
        for p in FIXTURES.glob("*/*")
        if p.parent.name in names and p.is_file() and not p.name.endswith((".source.txt", ".expected.json"))
    )


def fetched_at_of(path: Path) -> datetime:
    m = re.match(r"(\d{4})(?:-(\d{2})-(\d{2}))?_", path.name)
    if m is None:
        raise ValueError(f"fixture name must start with its capture date: {path.name}")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    return datetime(year, month, day, tzinfo=UTC)


def run_case(path: Path) -> dict[str, Any]:
    source = path.parent.name
    body = path.read_bytes()
    if registry.get(source).kind == "news":
        return _news_case(source, path, body)
    if registry.get(source).kind == "fx":
        return _fx_case(source, path, body)
    page = Page(registry.get(source).url_for(decode_body(body)), body, fetched_at_of(path))
    result = registry.extract(source, page)
    return {
        "source": source,
        "url": page.url,
        "fetched_at": plain(page.fetched_at),
        "rows": [{k: plain(v) for k, v in price_row(r, page.url, page.fetched_at).items()} for r in result.rows],
        "rejects": [{"reason": r.reason, "raw": r.raw} for r in result.rejects],
        "empty_reason": result.empty_reason,
    }


def expected_path(path: Path) -> Path:
    return path.with_name(path.name + ".expected.json")


def load_expected(path: Path) -> dict[str, Any]:
    return json.loads(expected_path(path).read_text(encoding="utf-8"))


#: the days an exchange-rate file's expected output names (the fetch dates of the USD fixtures)
FX_DAYS = ("2024-05-15", "2024-08-01", "2025-02-06", "2025-12-19", "2026-01-13", "2026-06-02", "2026-09-24")


def _fx_case(source: str, path: Path, body: bytes) -> dict[str, Any]:
    from pipeline.extract.fx import read_history

    history = read_history(body)
    wanted = [*FX_DAYS, history.last.isoformat()]
    return {
        "source": source,
        "fetched_at": plain(fetched_at_of(path)),
        "first": history.first.isoformat(),
        "last": history.last.isoformat(),
        "days": len(history.days),
        "usd_cny": {d.isoformat(): plain(r) for d, r in sorted(history.days.items()) if d.isoformat() in wanted},
    }


def _news_case(source: str, path: Path, body: bytes) -> dict[str, Any]:
    from pipeline.store.news import news_records

    page = Page(f"https://fixtures.invalid/{path.name}", body, fetched_at_of(path))
    records = news_records(registry.news_items(page))
    return {
        "source": source,
        "fetched_at": plain(page.fetched_at),
        "items": [{k: (list(v) if isinstance(v, list) else plain(v)) for k, v in r.items()} for r in records],
    }
