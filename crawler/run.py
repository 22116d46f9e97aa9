"""Starting crawls: one Scrapy process per call (Twisted's reactor cannot be
restarted), recorded as a crawl run with its counts."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler import registry, render
from crawler.middlewares import read_archive
from crawler.options import Options
from db import locks
from db.engine import session_factory
from db.models import CrawlRun
from pipeline.store.ingest import IngestResult


@dataclass
class RunSummary:
    run_id: int
    status: str
    warc_path: str | None
    counts: dict[str, int] = field(default_factory=dict)
    results: list[IngestResult] = field(default_factory=list)
    #: source -> why it did not run (another run holds its lock, no browser to render it)
    skipped: dict[str, str] = field(default_factory=dict)
    #: the sources skipped because another run holds their lock
    busy: list[str] = field(default_factory=list)
    #: Scrapy's log of the run (None when it went to the terminal: -v)
    log_path: str | None = None


class NothingToReplay(ValueError):
    pass


class BadUrl(ValueError):
    pass


def scrapy_settings(cfg: Options) -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule("crawler.settings", priority="project")
    crawl = cfg.crawl
    s.set("USER_AGENT", crawl["user_agent"], priority="cmdline")
    s.set("ROBOTSTXT_OBEY", bool(crawl["obey_robots"]), priority="cmdline")
    s.set("CONCURRENT_REQUESTS_PER_DOMAIN", int(crawl["concurrency_per_domain"]), priority="cmdline")
    s.set("DOWNLOAD_DELAY", float(crawl["download_delay"]), priority="cmdline")
    s.set("DOWNLOAD_TIMEOUT", int(crawl["timeout"]), priority="cmdline")
    s.set("AUTOTHROTTLE_ENABLED", bool(crawl["autothrottle"]), priority="cmdline")
    # one domain at a time by default: the global cap follows the per-domain one when that is raised
    s.set("CONCURRENT_REQUESTS", max(16, int(crawl["concurrency_per_domain"])), priority="cmdline")
    s.set("LLMWATCH_SETTINGS", cfg, priority="cmdline")
    return s


class _NoTraceback(logging.Filter):
    """Scrapy logs network failures with their traceback; users get the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


def _one_line_logs() -> None:
    if os.environ.get("LLMWATCH_DEBUG"):
        return
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoTraceback())


#: the loggers whose warnings people see on the terminal; Scrapy's, Twisted's and the rest
#: go only to the run's log file (``LLMWATCH_VERBOSE=1`` or ``llmwatch -v``: all on the terminal)
OWN_LOGGERS = ("crawler", "pipeline", "llmwatch", "db")


class _OwnWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING and record.name.split(".")[0] in OWN_LOGGERS


def _log_to_file(settings: ScrapySettings, cfg: Options, run_id: int) -> str | None:
    """Scrapy's log into ``<data dir>/logs/run-NNNNN.log``; the terminal keeps llmwatch's own
    warnings, one line each (a failed page is already one ✗ line of the command's)."""
    if os.environ.get("LLMWATCH_VERBOSE"):
        settings.set("LOG_LEVEL", "INFO", priority="cmdline")
        return None
    path = cfg.data_dir / "logs" / f"run-{run_id:05d}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings.set("LOG_FILE", str(path), priority="cmdline")
    settings.set("LOG_LEVEL", "INFO", priority="cmdline")
    return str(path)


class _Terminal(logging.StreamHandler):  # type: ignore[type-arg]
    """llmwatch's own warnings on stderr, one line each."""


def _own_warnings_on_terminal() -> None:
    root = logging.getLogger()
    if any(isinstance(h, _Terminal) for h in root.handlers):  # a second run in this process
        return
    handler = _Terminal()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(_OwnWarnings())
    handler.addFilter(_NoTraceback())
    root.addHandler(handler)


def crawl(
    cfg: Options,
    sources: list[str],
    *,
    replay: str | None = None,
    urls: dict[str, list[str]] | None = None,
    on_result: Callable[[IngestResult], None] | None = None,
) -> RunSummary:
    """Crawl ``sources`` (all when empty), live or from WARC files."""
    # [crawl.urls] in the configuration: mirrors to fetch instead of a source's own URLs
    start_urls: dict[str, list[str]] = {**(cfg.crawl.get("urls") or {}), **(urls or {})}
    feeds = cfg.raw.get("news", {}).get("feeds")
    if feeds and "news" not in start_urls:  # [news] feeds replaces the default feed list
        start_urls["news"] = list(feeds)
    if replay:
        archived: dict[str, list[str]] = {}
        for url, entry in read_archive(replay).items():
            if entry.source and not url.endswith("/robots.txt") and entry.url == url:
                archived.setdefault(entry.source, []).append(url)
        names = list(sources) or sorted(archived)
        start_urls = {name: archived.get(name, []) for name in names}
        if not any(start_urls.values()):
            raise NothingToReplay(f"no archived pages of {', '.join(names) or 'any source'} in {replay}")
    else:
        names = list(sources) or list(registry.sources())
    for name in names:
        registry.get(name)  # unknown names fail before anything starts
    for name, targets in start_urls.items():
        for target in targets:
            if urlsplit(target).scheme not in ("http", "https"):
                raise BadUrl(f"{name}: only http(s) URLs are crawled, not {target!r}")
    skipped: dict[str, str] = {}
    rendered = set() if replay else {n for n in names if _renders(cfg, n)}  # a replay serves rendered pages
    # official pages that yield nothing as served are read again through Chromium, where there is one
    fallback = not replay and any(registry.get(n).browser_fallback for n in names)
    chromium = render.find_chromium(str(cfg.crawl.get("chromium") or "")) if rendered or fallback else None
    if rendered and chromium is None:
        for name in sorted(rendered):
            skipped[name] = render.NO_BROWSER
            names.remove(name)
        rendered = set()
    factory = session_factory(cfg.database_url)
    mark_dead_runs(factory)
    busy = []
    for name in list(names):
        held = locks.acquire(factory, f"source:{name}")
        if held is not None:
            skipped[name] = f"another run holds it: {held} (`llmwatch locks`)"
            busy.append(name)
            names.remove(name)
    try:
        summary = (
            _run(cfg, factory, names, start_urls, replay, on_result, (chromium, rendered))
            if names
            else RunSummary(0, "skipped", None)
        )
    finally:
        for name in names:
            locks.release(factory, f"source:{name}")
    summary.skipped, summary.busy = skipped, busy
    return summary


def _renders(cfg: Options, name: str) -> bool:
    return registry.get(name).render or name in (cfg.crawl.get("render") or [])


def _stop_thread_pool() -> None:
    """Twisted's thread pool (DNS lookups) has threads the interpreter waits for at exit; a
    reactor that stopped on an error leaves them running, and the process would never end."""
    from twisted.internet import reactor

    pool = getattr(reactor, "threadpool", None)
    if pool is not None and pool.started:
        pool.stop()


def mark_stopped(factory: Any, pid: int, reason: str) -> int:
    """The runs of a crawl process that was stopped from outside (the scheduler's watchdog):
    failed, whatever the process managed to record, with ``reason``."""
    from sqlalchemy import select

    marked = 0
    with factory.begin() as session:
        for run in session.scalars(select(CrawlRun).where(CrawlRun.status.in_(("running", "aborted")))):
            if run.owner and locks.pid_of(run.owner) == pid:
                run.status, run.message = "failed", reason
                run.finished_at = run.finished_at or datetime.now(UTC)
                marked += 1
    return marked


def mark_dead_runs(factory: Any) -> int:
    """Runs left "running" by a process that died (killed, crashed): failed. Their stored pages
    are whole (one transaction each) and their WARC is readable up to its last complete record."""
    from sqlalchemy import select

    marked = 0
    with factory.begin() as session:
        for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
            if run.owner and locks.dead(run.owner):
                run.status, run.finished_at = "failed", datetime.now(UTC)
                run.message = f"the crawl process ({run.owner}) died before the run finished"
                marked += 1
    return marked


def work(cfg: Options, *, idle_exit: int = 0, on_result: Callable[[IngestResult], None] | None = None) -> RunSummary:
    """A distributed worker: take requests from Redis until stopped (or idle ``idle_exit`` seconds)."""
    if not cfg.raw["redis"]["url"]:
        raise BadUrl("no Redis to work from: set LLMWATCH_REDIS_URL (or [redis] url)")
    from crawler.distributed import redis_client

    redis_client(cfg)  # reachable, or one line and exit 1 rather than an idle worker and a traceback
    factory = session_factory(cfg.database_url)
    mark_dead_runs(factory)
    chromium = render.find_chromium(str(cfg.crawl.get("chromium") or ""))
    return _run(cfg, factory, [], {}, None, on_result, (chromium, set()), worker_idle=idle_exit)


def _run(
    cfg: Options,
    factory: Any,
    names: list[str],
    start_urls: dict[str, list[str]],
    replay: str | None,
    on_result: Callable[[IngestResult], None] | None,
    rendering: tuple[str | None, set[str]] = (None, set()),
    worker_idle: int | None = None,
) -> RunSummary:
    with factory.begin() as session:
        run = CrawlRun(
            started_at=datetime.now(UTC),
            status="running",
            sources=",".join(names) if worker_idle is None else "(worker)",
            replay=replay,
            owner=locks.me(),
        )
        session.add(run)
        session.flush()
        run_id = run.id
    warc_path = None if replay else str(cfg.warc_dir / f"run-{run_id:05d}.warc.gz")
    results: list[IngestResult] = []

    def collect(result: IngestResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    settings = scrapy_settings(cfg)
    log_path = _log_to_file(settings, cfg, run_id)
    settings.set("LLMWATCH_RUN_ID", run_id, priority="cmdline")
    settings.set("LLMWATCH_WARC_PATH", warc_path, priority="cmdline")
    settings.set("LLMWATCH_REPLAY", replay, priority="cmdline")
    settings.set("LLMWATCH_ON_RESULT", collect, priority="cmdline")
    if replay:
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    if not replay and worker_idle is None:  # conditional requests: what each pricing page returned last time
        from db import queries

        pricing = [n for n in names if registry.get(n).kind == "pricing"]
        with factory() as session:
            known = {url: (etag, modified) for url, etag, modified in session.execute(queries.validators(pricing))}
        settings.set("LLMWATCH_VALIDATORS", known, priority="cmdline")
    pages = sum(
        len(start_urls.get(n) or registry.get(n).start_urls) for n in names if registry.get(n).kind == "pricing"
    )
    settings.set("LLMWATCH_STORE_PROCESS", pages >= int(cfg.raw["store"]["process_from"]), priority="cmdline")
    chromium, rendered = rendering
    if chromium:  # found only where a source renders, falls back to rendering, or a worker may need it
        render.enable(settings, chromium, int(cfg.crawl["timeout"]))
    if worker_idle is not None:
        from crawler.distributed import WorkerSpider, worker_settings

        worker_settings(settings, cfg, worker_idle)
    process = CrawlerProcess(settings)
    # kept here: Scrapy drops a crawler from process.crawlers when it stops, and with it the
    # finish reason that tells a run stopped by SIGTERM from one that finished
    crawlers = []
    if worker_idle is not None:
        crawlers.append(process.create_crawler(WorkerSpider))
        process.crawl(crawlers[-1])
    for name in names:
        kwargs = {"urls": ",".join(start_urls[name])} if start_urls.get(name) else {}
        if name in rendered:
            kwargs["render"] = "1"
        if registry.get(name).kind == "news" and not cfg.raw["news"].get("follow_articles", True):
            kwargs["follow"] = "0"
        crawlers.append(process.create_crawler(registry.get(name)))
        process.crawl(crawlers[-1], **kwargs)
    _one_line_logs()  # after the crawlers exist: each installs Scrapy's root log handler
    if log_path is not None:
        _own_warnings_on_terminal()
    status, message = "finished", None
    try:
        process.start()
    except Exception as exc:  # recorded on the run, reported by the CLI
        status, message = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        _stop_thread_pool()
    reasons = {c.stats.get_value("finish_reason") for c in crawlers if c.stats}
    if status == "finished" and reasons - {"finished", None}:
        # stopped by SIGTERM/SIGINT: every stored page is whole, the rest was not fetched
        status, message = "aborted", f"stopped early: {', '.join(sorted(r for r in reasons if r))}"
    counts = {
        "pages": len(results),
        "unchanged": sum(r.status == "unchanged" for r in results),
        "rows": sum(r.rows for r in results),
        "events": sum(len(r.events) for r in results),
        "rejects": sum(r.rejects for r in results),
        "errors": sum(r.status == "error" for r in results),
    }
    with factory.begin() as session:
        row = session.get(CrawlRun, run_id)
        assert row is not None
        row.finished_at = datetime.now(UTC)
        row.status = status
        row.warc_path = warc_path
        row.message = message
        for key, value in counts.items():
            setattr(row, key, value)
    return RunSummary(run_id, status, warc_path, counts, results, log_path=log_path)
