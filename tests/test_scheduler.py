"""The scheduler, the lock and source staleness: persistence across restarts,
missed runs coalesced (the clock driven through stored run times, no sleeps),
one run of a source at a time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import select

from db import locks
from db.engine import engine_for, session_factory
from db.models import CrawlRun, Event
from llmwatch import scheduler
from llmwatch.config import ConfigError, load
from pipeline.store.health import check_stale
from tests.conftest import ingest_fixture
from tests.localhttp import Quiet

CALLS: list[str] = []


def record(source: str, config_path: str | None = None) -> None:
    """Stands in for run_source: the job function the test's jobs call."""
    CALLS.append(source)


def config(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "llmwatch.toml"
    path.write_text(body)
    return path


def test_job_specs_from_configuration(tmp_path: Path) -> None:
    cfg = load(
        config(
            tmp_path,
            """[schedule]
pricing = "6h"
[schedule.sources]
deepseek = {cron = "0 */2 * * *"}
coze = {enabled = false}
moonshot = {every = "30m"}
""",
        ),
        {},
    )
    specs = {s.source: s for s in scheduler.job_specs(cfg)}
    assert "coze" not in specs
    assert specs["deepseek"].describe == "cron 0 */2 * * * (Asia/Shanghai)"
    assert specs["deepseek"].interval == timedelta(hours=2)
    assert (specs["moonshot"].interval, specs["openrouter"].interval) == (timedelta(minutes=30), timedelta(hours=6))
    with pytest.raises(ConfigError, match="unknown sources: nosuch"):
        scheduler.job_specs(load(config(tmp_path, "[schedule.sources]\nnosuch = {every = '1h'}\n"), {}))
    with pytest.raises(ConfigError, match="not an interval"):
        scheduler.every("every day")


def test_jobs_and_next_run_times_survive_a_restart(tmp_path: Path, db_url: str) -> None:
    cfg = load(config(tmp_path), {"LLMWATCH_DATABASE_URL": db_url})
    engine_for(db_url)
    scheduler.sync_jobs(cfg, None)
    store = SQLAlchemyJobStore(url=db_url)
    first = {job.id: job.next_run_time for job in _jobs(store)}
    assert set(first) == {
        f"crawl:{name}"
        for name in (
            "aliyun",
            "baidu",
            "coze",
            "deepseek",
            "fx",
            "litellm",
            "llmprice_cn",
            "minimax",
            "moonshot",
            "news",
            "openrouter",
            "syaoranwe",
            "tencent",
            "volcengine",
            "zhipu",
        )
    }
    scheduler.sync_jobs(cfg, None)  # a restart: the same jobs, their times kept
    assert {job.id: job.next_run_time for job in _jobs(store)} == first


def _jobs(store: SQLAlchemyJobStore) -> list:
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = BlockingScheduler()
    store.start(sched, "default")
    try:
        return store.get_all_jobs()
    finally:
        store.shutdown()


def test_a_day_of_missed_runs_runs_once(tmp_path: Path, db_url: str) -> None:
    cfg = load(config(tmp_path), {"LLMWATCH_DATABASE_URL": db_url})
    engine_for(db_url)
    CALLS.clear()
    editor = scheduler._Editor(
        jobstores={"default": SQLAlchemyJobStore(url=db_url)},
        timezone="Asia/Shanghai",
        job_defaults=scheduler._job_defaults(cfg),
    )
    editor.start()
    # the scheduler was down for a day: four 6-hourly runs were missed
    editor.add_job(
        record,
        "interval",
        hours=6,
        args=["deepseek"],
        id="crawl:deepseek",
        next_run_time=datetime.now(UTC) - timedelta(days=1),
    )
    editor.shutdown(wait=False)

    once = scheduler._Once(
        jobstores={"default": SQLAlchemyJobStore(url=db_url)},
        timezone="Asia/Shanghai",
        job_defaults=scheduler._job_defaults(cfg),
    )
    once.start()
    once.shutdown(wait=True)
    assert CALLS == ["deepseek"]
    (job,) = _jobs(SQLAlchemyJobStore(url=db_url))
    assert job.next_run_time > datetime.now(UTC)  # and the next run is in the future


def test_the_lock_admits_one_run_and_recovers_a_dead_holder(db_url: str, factory) -> None:
    assert locks.acquire(factory, "source:deepseek", owner="host-a:1") is None
    held = locks.acquire(factory, "source:deepseek", owner="host-b:2")
    assert held is not None and held.owner == "host-a:1" and "held by host-a:1" in str(held)
    locks.release(factory, "source:deepseek", owner="host-a:1")
    assert locks.acquire(factory, "source:deepseek", owner="host-b:2") is None
    # a holder on this host whose process is gone: the lock is stale and taken over
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert locks.acquire(factory, "source:moonshot", owner=f"{socket.gethostname()}:{dead.pid}") is None
    assert locks.acquire(factory, "source:moonshot") is None


def test_a_lock_whose_pid_now_belongs_to_another_process_is_taken_over(db_url: str, factory) -> None:
    # as PID 1 in a container: the holder was killed and its PID is in use again (here: this
    # test's own, live, PID) by a process that started at another time
    reused = f"{socket.gethostname()}:{os.getpid()}:1000000000.00"
    assert locks.acquire(factory, "source:moonshot", owner=reused) is None
    assert locks.dead(reused) and not locks.dead(locks.me())
    with factory() as s:
        assert locks.state(s.get(locks.Lock, "source:moonshot")) == "dead"
    assert locks.acquire(factory, "source:moonshot") is None  # freed: the next run takes it
    assert locks.acquire(factory, "source:moonshot", owner=reused) is not None  # and now holds it


def test_a_lease_on_another_host_expires_unless_renewed(db_url: str, factory) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    assert locks.acquire(factory, "scheduler", owner="host-a:7:1.00") is None
    with factory.begin() as s:  # acquired a day ago
        s.execute(update(locks.Lock).values(acquired_at=datetime.now(UTC) - timedelta(days=1)))
    assert locks.renew(factory, "scheduler", owner="host-a:7:1.00")  # but renewed just now
    assert locks.acquire(factory, "scheduler", owner="host-b:8:1.00") is not None
    with factory.begin() as s:
        s.execute(update(locks.Lock).values(renewed_at=datetime.now(UTC) - timedelta(hours=7)))
    assert locks.acquire(factory, "scheduler", owner="host-b:8:1.00") is None  # expired: taken over


def test_a_second_concurrent_run_is_skipped_and_says_why(tmp_path: Path, sqlite_url: str) -> None:
    factory = session_factory(sqlite_url)
    holder = locks.me()  # a live process: this test
    assert locks.acquire(factory, "source:openrouter", owner=holder) is None
    env = {**os.environ, "LLMWATCH_DATABASE_URL": sqlite_url, "LLMWATCH_DATA_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "llmwatch", "crawl", "openrouter"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 4  # busy: documented, and not a success
    assert f"skipped openrouter: another run holds it: source:openrouter is held by {holder}" in proc.stderr

    def llmwatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "llmwatch", *args], env=env, capture_output=True, text=True, check=False
        )

    locks_out = llmwatch("locks", "--format", "json")
    (listed,) = [json.loads(line) for line in locks_out.stdout.splitlines()]
    assert (listed["name"], listed["owner"], listed["state"]) == ("source:openrouter", holder, "held")
    cleared = llmwatch("locks", "clear", "source:openrouter")
    assert cleared.returncode == 0 and "freed source:openrouter" in cleared.stderr
    again = llmwatch("locks", "clear", "source:openrouter")
    assert again.returncode == 2 and "no lock named 'source:openrouter'" in again.stderr


def only_openrouter(tmp_path: Path, port: int, extra: str = "", openrouter: str = "") -> tuple[Path, dict]:
    """A configuration that schedules openrouter alone, fetched from a local server; its environment."""
    from crawler import registry

    others = "\n".join(f"{n} = {{enabled = false}}" for n in registry.sources() if n != "openrouter")
    cfg = config(
        tmp_path,
        f"""{extra}
[crawl]
download_delay = 0
[crawl.urls]
openrouter = ["http://127.0.0.1:{port}/api/v1/models"]
[schedule.sources]
{openrouter}
{others}
""",
    )
    env = {**os.environ, "LLMWATCH_DATA_DIR": str(tmp_path / "data")}
    env.pop("LLMWATCH_DATABASE_URL", None)
    return cfg, env


class Files(Quiet, SimpleHTTPRequestHandler):
    """A directory served as a site, without the request log."""


def test_schedule_once_crawls_what_is_due_then_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site" / "api" / "v1"
    site.mkdir(parents=True)
    (site / "models").write_bytes((Path(__file__).parent / "fixtures/openrouter/2024-08-01_models.json").read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Files, directory=str(tmp_path / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    alerts = f'[alerts]\nchannels = ["file://{tmp_path / "alerts.jsonl"}"]'
    cfg, env = only_openrouter(tmp_path, server.server_address[1], alerts, 'openrouter = {every = "2h"}')

    def once() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "llmwatch", "--config", str(cfg), "schedule", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    try:
        first = once()
        assert first.returncode == 0, first.stderr
        assert "openrouter   every 2h" in first.stderr and "28 rows" in first.stderr
        second = once()
        assert second.returncode == 0 and "rows" not in second.stderr  # nothing was due
    finally:
        server.shutdown()
        server.server_close()
    out = subprocess.run(
        [sys.executable, "-m", "llmwatch", "--config", str(cfg), "sources", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    health = {s["source"]: s for s in map(json.loads, out.splitlines())}
    assert (health["openrouter"]["health"], health["openrouter"]["schedule"]) == ("ok", "every 2h")
    assert health["openrouter"]["items_last_run"] == 28 and health["coze"]["schedule"] == "not scheduled"


def test_a_source_without_success_for_three_intervals_is_stale_once(factory) -> None:
    ingest_fixture(factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-20T00:00:00+00:00")
    intervals = {"moonshot": timedelta(hours=6), "deepseek": timedelta(hours=6)}
    with factory.begin() as s:
        assert check_stale(s, intervals, datetime(2025, 12, 20, 17, tzinfo=UTC)) == []
        (stale,) = check_stale(s, intervals, datetime(2025, 12, 20, 19, tzinfo=UTC))
        assert stale.reason == "no successful fetch since 2025-12-20 00:00Z (3 intervals of 6h)"
        assert check_stale(s, intervals, datetime(2025, 12, 21, tzinfo=UTC)) == []  # once per spell
    with factory() as s:
        assert [e.type for e in s.scalars(select(Event))] == ["source_stale"]


class Slow(Quiet):
    hits = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            return self.reply(404)
        Slow.hits.set()
        time.sleep(3)
        body = (Path(__file__).parent / "fixtures/openrouter/2024-08-01_models.json").read_bytes()
        return self.reply(200, body, "application/json")


def test_sigterm_lets_the_current_run_end_cleanly_then_exits(tmp_path: Path) -> None:
    Slow.hits.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg, env = only_openrouter(tmp_path, server.server_address[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmwatch", "--config", str(cfg), "schedule"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert Slow.hits.wait(60), "the scheduled crawl never reached the server"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, stderr
    assert "stopping: the current run finishes first" in stderr and "Traceback" not in stderr
    factory = session_factory(f"sqlite:///{tmp_path / 'data' / 'llmwatch.db'}")
    with factory() as s:
        runs = [(r.status, r.finished_at is not None) for r in s.scalars(select(CrawlRun))]
    assert runs in ([("aborted", True)], [("finished", True)])  # whole, never left "running"
