"""Operation around the data (issue 17): runs that always end and say how they ended, one
scheduler per database, a watchdog on scheduled crawls, a queue that cannot be reached.
Each test reproduces a finding of the attack run against a local server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import session_factory
from db.models import CrawlRun
from llmwatch import scheduler
from tests.localhttp import Quiet, serving

pytestmark = pytest.mark.slow
PAGE = (Path(__file__).parent / "fixtures/moonshot/2025-12-20_zh_crawler-markdown.md").read_bytes()


class Pages(Quiet):
    """``/pN``: the real Moonshot page after ``delay`` seconds; ``/hang``: no answer for a minute."""

    delay = 0.0

    def do_GET(self) -> None:
        if self.path == "/hang":
            time.sleep(60)
            return
        if not self.path.startswith("/p"):
            return self.reply(404, b"")
        time.sleep(Pages.delay)
        return self.reply(200, PAGE, "text/markdown; charset=utf-8")


@pytest.fixture
def site() -> Iterator[str]:
    Pages.delay = 0.0
    with serving(Pages) as url:
        yield url


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "LLMWATCH_DATA_DIR": str(data),
        "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0",
        "LLMWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "1",
        **extra,
    }
    env.pop("LLMWATCH_DATABASE_URL", None)
    return env


def crawl_args(base: str, pages: int) -> list[str]:
    urls = [a for i in range(pages) for a in ("--url", f"moonshot={base}/p{i}")]
    return [sys.executable, "-m", "llmwatch", "crawl", "moonshot", *urls]


def runs(data: Path) -> list[tuple[str, int, str | None]]:
    with session_factory(f"sqlite:///{data / 'llmwatch.db'}")() as s:
        return [(r.status, r.pages, r.message) for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))]


def stored(data: Path) -> int:
    try:
        with sqlite3.connect(data / "llmwatch.db") as conn:
            return int(conn.execute("SELECT count(*) FROM snapshots").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_a_crawl_stopped_by_sigterm_is_aborted_and_exits_non_zero(tmp_path: Path, site: str) -> None:
    Pages.delay = 1.0
    proc = subprocess.Popen(crawl_args(site, 6), env=environment(tmp_path), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while stored(tmp_path) < 1 and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "run 1 aborted" in stderr
    ((status, pages, message),) = runs(tmp_path)
    # what was stored is whole and counted; Scrapy lets the downloads it holds end first
    assert status == "aborted" and 1 <= pages <= 6 and "stopped early: shutdown" in (message or "")


def test_a_crawl_whose_output_pipe_closes_ends_and_stores_every_page(tmp_path: Path, site: str) -> None:
    read, write = os.pipe()
    proc = subprocess.Popen(crawl_args(site, 12), env=environment(tmp_path), stdout=write, stderr=write)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:  # `| head -1`: one line read, then the reader is gone
        assert b"moonshot" in pipe.readline()
    try:
        proc.wait(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            pytest.fail("the crawl did not end after its output pipe closed")
    assert runs(tmp_path) == [("finished", 12, None)]


def test_a_second_scheduler_on_one_database_exits_and_a_dead_ones_place_is_taken(tmp_path: Path) -> None:
    from crawler import registry

    config = tmp_path / "llmwatch.toml"
    config.write_text("[schedule.sources]\n" + "\n".join(f"{n} = {{enabled = false}}" for n in registry.sources()))
    env = environment(tmp_path / "data")
    command = [sys.executable, "-m", "llmwatch", "--config", str(config), "schedule"]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stderr is not None and "0 jobs" in first.stderr.readline()
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 4
        assert "another scheduler runs on this database (scheduler is held by" in second.stderr
        first.send_signal(signal.SIGKILL)  # dies without releasing its lock
        first.wait(timeout=30)
        third = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert third.stderr is not None and "0 jobs" in third.stderr.readline()
        finally:
            third.send_signal(signal.SIGTERM)
            _, rest = third.communicate(timeout=60)
        assert third.returncode == 0, rest
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=30)


def test_a_scheduled_crawl_past_its_time_limit_is_stopped_and_failed(
    tmp_path: Path, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "llmwatch.toml"
    config.write_text(
        f'[schedule]\ntime_limit = "3s"\n[crawl]\ntimeout = 120\n[crawl.urls]\nmoonshot = ["{site}/hang"]\n'
    )
    for key, value in environment(tmp_path / "data").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(scheduler, "GRACE", 2)  # SIGTERM waits for the hanging download: killed after 2 s
    start = time.time()
    scheduler.run_source("moonshot", str(config))
    assert time.time() - start < 30
    ((status, _, message),) = runs(tmp_path / "data")
    assert status == "failed" and message == "stopped by the scheduler after 3s ([schedule] time_limit)"


def test_a_worker_without_its_queue_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = environment(tmp_path, LLMWATCH_REDIS_URL="redis://:pw-SECRET@127.0.0.1:9/0")
    proc = subprocess.run(
        [sys.executable, "-m", "llmwatch", "worker", "--idle-exit", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: Redis at redis://127.0.0.1:9/0 cannot be reached")
    assert "Traceback" not in proc.stderr and "pw-SECRET" not in proc.stderr and len(proc.stderr.splitlines()) == 1
