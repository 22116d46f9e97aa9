"""The network fault matrix (docs/reliability.md): each misbehaving page of a
fault-injecting server on 127.0.0.1 is retried, recorded with its reason, and
raises no false change; the run goes on and a rerun duplicates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import session_factory
from db.models import Event, PriceObservation, RejectRow, Snapshot
from tests import faults

pytestmark = pytest.mark.slow
PATHS = ["ok", "gbk", "429", "500", "timeout", "reset", "truncated", "huge", "loop", "flaky"]


def crawl(data: Path, base: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LLMWATCH_DATA_DIR": str(data),
        "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0",
        "LLMWATCH_CRAWL_TIMEOUT": "2",
    }
    env.pop("LLMWATCH_DATABASE_URL", None)
    args = [a for p in PATHS for a in ("--url", f"moonshot={base}/{p}")]
    proc = subprocess.run(
        [sys.executable, "-m", "llmwatch", "crawl", "moonshot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("faults")
    server, base = faults.start()
    try:
        first = crawl(data, base)
        hits_after_first = dict(faults.Faults.hits)
        second = crawl(data, base)
    finally:
        server.shutdown()
        server.server_close()
    factory = session_factory(f"sqlite:///{data / 'llmwatch.db'}")
    return base, first, second, hits_after_first, factory


def snapshot(factory, base: str, path: str, run: int) -> Snapshot:
    with factory() as s:
        return s.scalar(select(Snapshot).where(Snapshot.url == f"{base}/{path}", Snapshot.run_id == run))


@pytest.mark.parametrize(
    ("path", "status", "note", "tries"),
    [
        ("ok", "ok", None, 1),
        ("gbk", "ok", None, 1),  # GBK bytes under a UTF-8 label: read as GB18030
        ("429", "ok", None, 2),  # Retry-After: 1, then the page
        ("500", "error", "HTTP 500", 3),  # retried twice, then recorded
        ("timeout", "error", "took longer than 2.0 seconds", 3),
        ("reset", "error", "Connection to the other side was lost", 3),
        ("truncated", "error", "ResponseDataLossError", 3),
        ("huge", "error", "larger than download max size", 1),  # 50 MB against the 20 MB limit
        ("loop", "error", "max redirections reached", 1),
    ],
)
def test_each_fault_has_its_outcome(runs, path: str, status: str, note: str | None, tries: int) -> None:
    base, _, _, hits, factory = runs
    snap = snapshot(factory, base, path, 1)
    assert snap is not None and snap.status == status
    assert note is None or note in (snap.note or "")
    # HTTP errors: exactly the retries; lost connections: Twisted also retries a reused connection once
    assert hits[f"/{path}"] == tries if path in ("ok", "gbk", "429", "500", "huge") else hits[f"/{path}"] >= tries
    if status == "ok":
        with factory() as s:
            turbo = s.scalar(
                select(PriceObservation).where(
                    PriceObservation.url == f"{base}/{path}",
                    PriceObservation.model == "kimi-k2-turbo-preview",
                    PriceObservation.component == "output",
                )
            )
        assert turbo is not None and turbo.amount_per_mtok == 58


def test_the_run_goes_on_and_reports_every_failure(runs) -> None:
    _, first, _, _, factory = runs
    assert first.returncode == 1  # the run went on to the end; its exit code says pages are missing
    assert "error: 6 of 10 pages could not be fetched or stored" in first.stderr
    assert "run 1 finished: 10 pages (0 unchanged), 144 rows, 0 events, 6 rejects, 6 errors" in first.stderr
    with factory() as s:
        reasons = [r.reason for r in s.scalars(select(RejectRow).where(RejectRow.reason.like("fetch failed:%")))]
    assert len(reasons) >= 6


def test_no_false_changes_and_broken_only_where_rows_were(runs) -> None:
    base, _, second, _, factory = runs
    # second run: /flaky now fails; it had rows, so it (and only it) is extraction_broken
    assert "run 2 finished: 10 pages (3 unchanged), 0 rows, 1 events, 7 rejects, 7 errors" in second.stderr
    with factory() as s:
        events = [(e.type, e.url) for e in s.scalars(select(Event))]
        held = s.scalar(select(func.count()).select_from(PriceObservation).where(PriceObservation.current.is_(True)))
    assert events == [("extraction_broken", f"{base}/flaky")]
    assert held == 4 * 36  # ok, gbk, 429 and flaky: nothing removed, nothing duplicated
