"""Distributed crawling for real: Redis on 127.0.0.1:6379, PostgreSQL, two
``llmwatch worker`` processes against a local site of 500 pricing pages
(bench/site.py). Every page is fetched once per run, nothing is stored twice,
and the second run finds exactly the prices the site changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.site import Served, free_port, price, urls
from db.engine import session_factory
from db.models import Event, PriceObservation, Snapshot
from pipeline.extract.sanity import FACTOR

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
PAGES, CHANGED = 500, 10
REDIS = os.environ.get("LLMWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    import redis

    name = f"llmwatch-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def _run(tmp: Path, env: dict[str, str], site: Served) -> list[str]:
    """One run: queue it, two workers take it; what each worker printed."""
    queued = subprocess.run(
        [sys.executable, "-m", "llmwatch", "--config", str(tmp / "llmwatch.toml"), "enqueue", "aliyun"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert queued.returncode == 0 and f"{PAGES} requests" in queued.stderr, queued.stderr
    cmd = [sys.executable, "-m", "llmwatch", "--config", str(tmp / "llmwatch.toml"), "worker", "--idle-exit", "3"]
    workers = [subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=240)[1] for w in workers]
    for w, out in zip(workers, outputs, strict=True):
        assert w.returncode == 0 and "Traceback" not in out, out[-2000:]
    return outputs


def test_two_workers_share_a_run_fetch_each_page_once_and_store_nothing_twice(
    tmp_path: Path, pg_url: str, prefix: str
) -> None:
    hits = tmp_path / "hits.txt"
    port = free_port()
    env = {
        **os.environ,
        "LLMWATCH_REDIS_URL": REDIS,
        "LLMWATCH_REDIS_PREFIX": prefix,
        "LLMWATCH_DATABASE_URL": pg_url,
        "LLMWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    with Served(PAGES, port=port, log=str(hits)) as site:
        pages = urls(site.base, PAGES)
        (tmp_path / "llmwatch.toml").write_text(
            "[crawl]\nobey_robots = false\ndownload_delay = 0\nconcurrency_per_domain = 8\nautothrottle = false\n"
            f"[crawl.urls]\naliyun = {json.dumps(pages)}\n"
        )
        first = _run(tmp_path, env, site)
    counts = Counter(line.split()[0] for line in hits.read_text().splitlines())
    assert len(counts) == PAGES and set(counts.values()) == {1}  # every page, once
    shares = [out.count("✓ aliyun") for out in first]
    assert sum(shares) == PAGES and min(shares) > 0  # both workers took part

    factory = session_factory(pg_url)
    with factory() as s:
        assert s.scalar(select(func.count(Snapshot.id))) == PAGES
        assert s.scalar(select(func.count(PriceObservation.id))) == PAGES * 80
        distinct = select(PriceObservation.url, PriceObservation.model, PriceObservation.component).distinct()
        assert s.scalar(select(func.count()).select_from(distinct.subquery())) == PAGES * 80

    # the site changes 10 pages; a new run fetches every page again, once (304 where unchanged)
    hits.write_text("")
    with Served(PAGES, changed=CHANGED, port=port, log=str(hits)) as site:
        _run(tmp_path, env, site)
    lines = hits.read_text().splitlines()
    assert len(lines) == PAGES and len({line.split()[0] for line in lines}) == PAGES
    assert all(line.split()[1] != "-" for line in lines)  # conditional: they carry the ETag

    moved = {
        (f"{site.base}/p/{i}.html", j, kind): (Decimal(price(i, j, 0, kind)), Decimal(price(i, j, 1, kind)))
        for i in range(CHANGED)
        for j in range(40)
        for kind in (0, 1)
        if price(i, j, 1, kind) != price(i, j, 0, kind)
    }
    # the site's prices are random: a move of more than 20x is held back as suspect (pipeline.extract.sanity)
    slips = {k for k, (old, new) in moved.items() if old and new and not 1 / FACTOR <= new / old <= FACTOR}
    expected = set(moved) - slips
    with factory() as s:
        changed = s.scalars(select(Event).where(Event.type == "price_changed")).all()
        got = {(e.url, int(e.model.rsplit("-", 1)[1]), 0 if e.component == "input" else 1) for e in changed}
        assert got == expected and len(changed) == len(expected)
        suspect = s.scalars(select(Event).where(Event.type == "price_suspect")).all()
        assert {(e.url, int(e.model.rsplit("-", 1)[1]), 0 if e.component == "input" else 1) for e in suspect} == slips
        one = next(e for e in changed if e.url.endswith("/p/0.html"))
        key = (one.url, int(one.model.rsplit("-", 1)[1]), 0 if one.component == "input" else 1)
        assert (one.old, one.new) == moved[key]
        assert s.scalar(select(func.count(Snapshot.id))) == PAGES + CHANGED
