"""The storage process and the crawling process share the parsing: while the
storage process's queue is full, the crawling process reads the pages it holds
and sends their rows along. Rows read on either side are stored the same."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.site import page_html
from crawler import registry, storage
from db.engine import session_factory
from db.models import PriceObservation, Snapshot
from llmwatch import config
from pipeline.extract.records import Page


def test_rows_read_while_the_store_is_behind_are_stored_as_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'llmwatch.db'}"
    cfg = config.load(None, {"LLMWATCH_DATA_DIR": str(tmp_path), "LLMWATCH_DATABASE_URL": url})
    read_here: list[str] = []
    real = storage.extract
    monkeypatch.setattr(storage, "extract", lambda c, job: read_here.append(job.page.url) or real(c, job))
    at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    pages = [Page(f"http://bench.test/p/{i}.html", page_html(i), at, "text/html; charset=utf-8") for i in range(120)]
    store = storage.StoreProcess(cfg, None)
    results = []
    for page in pages:  # the second process is still starting: its queue of 32 is full at once
        results += store.submit(storage.Job("aliyun", page))
    results += store.flush()

    assert sorted(r.url for r in results) == sorted(p.url for p in pages)
    assert {r.status for r in results} == {"stored"} and sum(r.rows for r in results) == 120 * 80
    assert 0 < len(read_here) < 120, "both processes read pages"
    with session_factory(url)() as s:
        assert len(s.scalars(select(Snapshot)).all()) == 120
        stored: dict[str, set[tuple[str, str, Decimal, Decimal]]] = {}
        for o in s.scalars(select(PriceObservation)):
            stored.setdefault(o.url, set()).add((o.model, o.component, o.amount_per_mtok, o.cny_per_mtok))
    for page in pages:  # whichever process read it, a page's rows are what extraction gives
        rows = registry.extract("aliyun", page).rows
        assert stored[page.url] == {(r.model, r.component, r.amount_per_mtok, r.cny_per_mtok) for r in rows}
    assert ("abab-bench-7-0", "input", Decimal("21.07"), Decimal("21.07")) in stored["http://bench.test/p/7.html"]
    assert ("abab-bench-7-0", "output", Decimal("15.64"), Decimal("15.64")) in stored["http://bench.test/p/7.html"]
