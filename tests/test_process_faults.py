"""Process and database faults: a crawl killed with SIGKILL half-way, then run
again; a torn WARC; SQLite locked by another writer; a database that is down."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.middlewares import read_archive
from db.engine import session_factory
from db.models import CrawlRun, Event, PriceObservation, Snapshot
from tests.conftest import ingest_fixture
from tests.localhttp import Quiet

pytestmark = pytest.mark.slow
PAGES = {
    f"/p{i}": (Path(__file__).parent / "fixtures/moonshot/2025-12-20_zh_crawler-markdown.md").read_bytes()
    for i in range(4)
}


class Slow(Quiet):
    delay = 1.5

    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        if body is None:
            return self.reply(404)
        time.sleep(Slow.delay)
        return self.reply(200, body, "text/markdown; charset=utf-8")


def command(data: Path, base: str) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "LLMWATCH_DATA_DIR": str(data),
        "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0",
        "LLMWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "1",
    }
    env.pop("LLMWATCH_DATABASE_URL", None)
    urls = [a for p in PAGES for a in ("--url", f"moonshot={base}{p}")]
    return [sys.executable, "-m", "llmwatch", "crawl", "moonshot", *urls], env


def test_a_crawl_killed_half_way_is_failed_and_its_rerun_duplicates_nothing(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    args, env = command(tmp_path, base)
    db = tmp_path / "llmwatch.db"
    try:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        stored = 0
        while time.time() < deadline and stored < 2:  # wait until two pages are stored
            time.sleep(0.3)
            if db.exists():
                try:
                    with sqlite3.connect(db) as conn:
                        stored = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
                except sqlite3.OperationalError:
                    pass
        assert stored >= 2, "the crawl never stored two pages"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        factory = session_factory(f"sqlite:///{db}")
        with factory() as s:
            (run,) = s.scalars(select(CrawlRun))
            assert run.status == "running"  # as the killed process left it
            killed_pages = s.scalar(select(func.count()).select_from(Snapshot))
        warc = next((tmp_path / "warc").glob("run-*.warc.gz"))
        assert len(read_archive(warc)) >= killed_pages  # readable up to its last complete record

        Slow.delay = 0
        rerun = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert rerun.returncode == 0 and "Traceback" not in rerun.stderr
        with factory() as s:
            runs = {r.id: (r.status, r.message) for r in s.scalars(select(CrawlRun))}
            snapshots = s.scalar(select(func.count()).select_from(Snapshot))
            prices = s.scalar(select(func.count()).select_from(PriceObservation))
        assert runs[1][0] == "failed" and "died before the run finished" in runs[1][1]
        assert runs[2][0] == "finished"
        assert snapshots == 4 and prices == 4 * 36  # every page once, every price once
    finally:
        Slow.delay = 1.5
        server.shutdown()
        server.server_close()


def test_a_torn_warc_is_read_up_to_its_last_complete_record(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = tmp_path / "run.warc.gz"
    ends = []
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(3):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
            body = os.urandom(3000)  # incompressible, so a record is thousands of bytes long
            record = writer.create_warc_record(
                f"https://example.com/{i}", "response", payload=BytesIO(body), http_headers=http
            )
            writer.write_record(record)
            record.raw_stream.close()
            ends.append(fh.tell())
    data = warc.read_bytes()
    warc.write_bytes(data[: (ends[1] + ends[2]) // 2])  # the last record torn off half-way
    assert sorted(read_archive(warc)) == ["https://example.com/0", "https://example.com/1"]


def test_sqlite_locked_by_another_writer_waits_and_succeeds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'llmwatch.db'}"
    factory = session_factory(url)
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    other = sqlite3.connect(tmp_path / "llmwatch.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock...
    threading.Timer(2.0, lambda: other.execute("COMMIT")).start()  # ...for two seconds
    started = time.monotonic()
    result = ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    waited = time.monotonic() - started
    other.close()
    assert result.status == "stored" and len(result.events) == 10
    assert waited >= 1.5  # it waited for the lock instead of failing
    with sqlite3.connect(tmp_path / "llmwatch.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_database_that_is_down_is_one_clear_line_and_no_secret(tmp_path: Path) -> None:
    env = {**os.environ, "LLMWATCH_DATABASE_URL": "postgresql+psycopg://llmwatch:s3cret-pw@127.0.0.1:9/none"}
    proc = subprocess.run(
        [sys.executable, "-m", "llmwatch", "prices"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: database unavailable:") and len(proc.stderr.strip().splitlines()) == 1
    assert "s3cret-pw" not in proc.stderr + proc.stdout
    _ = datetime.now(UTC)


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL: ``cut()`` is the server going away."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        self.running = False
        with contextlib.suppress(OSError):  # shutdown wakes the blocked accept(); close alone keeps it listening
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass


@pytest.mark.postgres
def test_postgres_going_away_mid_run_loses_nothing(tmp_path: Path, pg_url: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    proxy = Proxy(("127.0.0.1", 5432))
    args, env = command(tmp_path, base)
    env["LLMWATCH_DATABASE_URL"] = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    direct = session_factory(pg_url)
    # the pages as they were a week earlier (hand-made: one price different), so the run has changes to find
    from datetime import timedelta

    from crawler import registry
    from pipeline.extract.records import Page
    from pipeline.store.ingest import ingest

    older = PAGES["/p0"].replace(
        "| kimi-k2-turbo-preview推荐 | 1M tokens | ￥1.00 | ￥8.00 | ￥58.00 |".encode(),
        "| kimi-k2-turbo-preview推荐 | 1M tokens | ￥1.00 | ￥8.00 | ￥60.00 |".encode(),
    )
    assert older != PAGES["/p0"]
    week_ago = datetime.now(UTC) - timedelta(days=7)
    for path in PAGES:
        ingest(direct, "moonshot", Page(f"{base}{path}", older, week_ago), lambda p: registry.extract("moonshot", p))
    try:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline, stored = time.time() + 60, 0
        while time.time() < deadline and stored < 1:
            time.sleep(0.3)
            try:
                with direct() as s:
                    stored = (s.scalar(select(func.count()).select_from(Snapshot)) or 0) - len(PAGES)
            except Exception:  # the schema may not be there yet
                stored = 0
        assert stored >= 1
        proxy.cut()  # PostgreSQL is gone for the rest of the run
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2 and "Traceback" not in stderr, stderr
        assert stderr.strip().splitlines()[-1].startswith("error: database unavailable:"), stderr
        warc = next((tmp_path / "warc").glob("run-*.warc.gz"), None)
        assert warc is not None, (stderr, sorted(str(p) for p in tmp_path.rglob("*")))
        archived = [u for u in read_archive(warc) if not u.endswith("robots.txt")]
        assert len(archived) == 4  # every raw response kept, stored or not

        # PostgreSQL is back: replaying the run's archive recovers every page
        Slow.delay = 0
        env["LLMWATCH_DATABASE_URL"] = pg_url
        replay = subprocess.run(
            [sys.executable, "-m", "llmwatch", "crawl", "--replay", str(warc)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert replay.returncode == 0, replay.stderr
        with direct() as s:
            assert s.scalar(select(func.count()).select_from(Snapshot)) == 2 * 4
            changes = [(e.model, e.component, e.old, e.new) for e in s.scalars(select(Event))]
            statuses = sorted(r.status for r in s.scalars(select(CrawlRun)))
        # every page's change found, whether stored before the outage or recovered by the replay
        assert changes == [("kimi-k2-turbo-preview", "output", Decimal(60), Decimal(58))] * 4
        assert statuses == ["failed", "finished"]
    finally:
        Slow.delay = 1.5
        proxy.cut()
        server.shutdown()
        server.server_close()
        from db.engine import engine_for

        engine_for(pg_url).dispose()


def _storage_child(parent: int) -> int | None:
    """The storage process a large crawl spawns (not multiprocessing's resource tracker)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), None)
        if ppid == parent and b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            return int(entry.name)
    return None


def test_the_storage_process_killed_mid_crawl_loses_no_page(tmp_path: Path) -> None:
    """A crawl of 400 pages stores in a second process; SIGKILL it: the crawl stores the rest itself."""
    from bench.site import Served, urls

    with Served(400) as site:
        config = tmp_path / "llmwatch.toml"
        config.write_text(
            "[crawl]\nobey_robots = false\ndownload_delay = 0\nconcurrency_per_domain = 16\nautothrottle = false\n"
            f"[crawl.urls]\naliyun = {urls(site.base, 400)!r}\n".replace("'", '"')
        )
        env = {**os.environ, "LLMWATCH_DATA_DIR": str(tmp_path / "data")}
        env.pop("LLMWATCH_DATABASE_URL", None)
        crawl = subprocess.Popen(
            [sys.executable, "-m", "llmwatch", "--config", str(config), "crawl", "aliyun"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        child = None
        for _ in range(300):
            child = _storage_child(crawl.pid)
            if child:
                break
            time.sleep(0.02)
        assert child is not None, "no storage process was started"
        time.sleep(0.3)
        os.kill(child, signal.SIGKILL)
        _, stderr = crawl.communicate(timeout=240)
    assert crawl.returncode == 0, stderr[-2000:]
    assert "the storage process stopped" in stderr and "Traceback" not in stderr
    assert "run 1 finished: 400 pages" in stderr
    factory = session_factory(f"sqlite:///{tmp_path / 'data' / 'llmwatch.db'}")
    with factory() as s:
        assert s.scalar(select(func.count(Snapshot.id))) == 400
        assert s.scalar(select(func.count(PriceObservation.id))) == 400 * 80
        keys = select(PriceObservation.url, PriceObservation.model, PriceObservation.component).distinct()
        assert s.scalar(select(func.count()).select_from(keys.subquery())) == 400 * 80
