"""``llmwatch schedule``: APScheduler 3 with its jobs in the project's database.

One job per source (``[schedule]``: an interval per kind of source, or a
cron line per source, with jitter, in Asia/Shanghai by default). Each run is
its own process (Scrapy's reactor cannot restart) holding the source's lock;
after it: stale-source check and alert delivery. Missed runs coalesce: a
scheduler that was down for a day runs each job once.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler import catalog
from llmwatch.config import ConfigError, Settings, scheduled_every
from pipeline.extract.dates import duration

log = logging.getLogger("llmwatch.scheduler")


def every(text: str) -> timedelta:
    """``6h`` -> 6 hours; ``30m``, ``1d``, ``90s``."""
    try:
        return duration(str(text))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class JobSpec:
    source: str
    trigger: BaseTrigger
    #: for people and for the stale check
    describe: str
    interval: timedelta

    @property
    def id(self) -> str:
        return f"crawl:{self.source}"


def job_specs(cfg: Settings) -> list[JobSpec]:
    sched = cfg.raw["schedule"]
    tz = ZoneInfo(sched["timezone"])
    jitter = int(sched.get("jitter") or 0) or None
    overrides: dict[str, Any] = sched.get("sources") or {}
    unknown = set(overrides) - set(catalog.cards())
    if unknown:
        raise ConfigError(f"[schedule.sources] names unknown sources: {', '.join(sorted(unknown))}")
    specs = []
    for name, spider in catalog.cards().items():
        own = overrides.get(name) or {}
        if own.get("enabled", True) is False:
            continue
        if own.get("cron"):
            try:
                trigger: BaseTrigger = CronTrigger.from_crontab(own["cron"], timezone=tz)
            except ValueError as exc:
                raise ConfigError(f"[schedule.sources.{name}] cron: {exc}") from None
            now = datetime.now(tz)  # the interval between fires, before jitter blurs it
            first = trigger.get_next_fire_time(None, now)
            second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
            interval = (second - first) if first and second else timedelta(days=1)
            if jitter:
                trigger.jitter = jitter
            specs.append(JobSpec(name, trigger, f"cron {own['cron']} ({tz})", interval))
        else:
            text = scheduled_every(sched, name, spider.kind)
            interval = every(text)
            trigger = IntervalTrigger(seconds=int(interval.total_seconds()), timezone=tz, jitter=jitter)
            specs.append(JobSpec(name, trigger, f"every {text}", interval))
    return specs


def _job_defaults(cfg: Settings) -> dict[str, Any]:
    grace = str(cfg.raw["schedule"].get("misfire_grace") or "none").lower()
    return {
        "coalesce": True,  # many missed runs -> one run
        "max_instances": 1,
        # "none": a missed run is never too late to run once
        "misfire_grace_time": None if grace == "none" else int(every(grace).total_seconds()),
    }


def sync_jobs(cfg: Settings, config_path: str | None) -> list[JobSpec]:
    """Bring the stored jobs in line with the configuration, keeping their next run times."""
    specs = job_specs(cfg)
    store = _Editor(
        jobstores={"default": SQLAlchemyJobStore(url=cfg.database_url)},
        timezone=cfg.raw["schedule"]["timezone"],
        job_defaults=_job_defaults(cfg),
    )
    store.start()
    try:
        wanted = {spec.id for spec in specs}
        for job in store.get_jobs():
            if job.id not in wanted:
                job.remove()
        for spec in specs:
            job = store.get_job(spec.id)
            if job is None:  # new: first run at once
                store.add_job(
                    run_source,
                    spec.trigger,
                    args=[spec.source, config_path],
                    id=spec.id,
                    name=spec.describe,
                    next_run_time=datetime.now(UTC),
                    **_job_defaults(cfg),
                )
            elif str(job.trigger) != str(spec.trigger) or job.args != (spec.source, config_path):
                job.modify(trigger=spec.trigger, args=[spec.source, config_path], name=spec.describe)
    finally:
        store.shutdown(wait=False)
    return specs


#: the running children, for SIGTERM to reach them; set once the scheduler is stopping
_children: set[subprocess.Popen[bytes]] = set()
_stopping = threading.Event()
#: how long a stopped child has to end before it is killed
GRACE = 30


class SchedulerBusy(RuntimeError):
    pass


def run_source(source: str, config_path: str | None = None) -> int:
    """The job: crawl one source in its own process (or, with Redis configured, queue it for
    the distributed workers), then the after-run checks. A crawl past ``[schedule] time_limit``
    is stopped (SIGTERM, then SIGKILL) and its run recorded as failed."""
    if _stopping.is_set():  # submitted as the scheduler was stopping: nothing new starts
        return 0
    from llmwatch.config import load

    cfg = load(config_path)
    command = "enqueue" if cfg.raw["redis"]["url"] else "crawl"
    args = [sys.executable, "-m", "llmwatch", *(["--config", config_path] if config_path else []), command, source]
    limit = str(cfg.raw["schedule"]["time_limit"])
    log.info("run %s", source)
    child = subprocess.Popen(args)
    _children.add(child)
    try:
        code = child.wait(timeout=every(limit).total_seconds())
    except subprocess.TimeoutExpired:
        log.warning("%s: still running after %s ([schedule] time_limit): stopped", source, limit)
        code = _stop(child)
        from crawler.run import mark_stopped
        from db.engine import session_factory

        reason = f"stopped by the scheduler after {limit} ([schedule] time_limit)"
        mark_stopped(session_factory(cfg.database_url), child.pid, reason)
    finally:
        _children.discard(child)
    if not _stopping.is_set():
        after_run(config_path)
    return code


def _stop(child: subprocess.Popen[bytes]) -> int:
    child.terminate()  # Scrapy stops cleanly: every stored page is whole
    try:
        return child.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def after_run(config_path: str | None, *, now: datetime | None = None) -> None:
    """Stale sources, then alert delivery (change detection ran inside the crawl)."""
    from db.engine import session_factory
    from llmwatch import delivery
    from llmwatch.config import load
    from pipeline.store.health import check_stale

    cfg = load(config_path)
    factory = session_factory(cfg.database_url)
    intervals = {spec.source: spec.interval for spec in job_specs(cfg)}
    with factory.begin() as s:
        check_stale(
            s,
            intervals,
            now or datetime.now(UTC),
            after=int(cfg.raw["health"]["stale_after_intervals"]),
            outbox=cfg.outbox,
        )
    report = delivery.deliver(cfg, factory)
    if report.problems:
        log.warning("alerts still pending: %s", "; ".join(report.problems))


class _Editor(BlockingScheduler):
    """Opens the job store for editing and runs nothing."""

    def _main_loop(self) -> None:
        return


class _Stoppable(BlockingScheduler):
    """Leaves its loop once ``_stopping`` is set, before the executor is shut down, so that no
    job is submitted to an executor that is gone (APScheduler's "cannot schedule new futures")."""

    def _main_loop(self) -> None:
        wait_seconds: float | None = None
        while self.state != STATE_STOPPED and not _stopping.is_set():
            self._event.wait(wait_seconds)
            self._event.clear()
            if _stopping.is_set():
                break
            wait_seconds = self._process_jobs()

    def wakeup(self) -> None:
        # a SIGTERM may come before start() has made the event the loop waits on: the loop then
        # sees _stopping before it waits
        if self._event is not None:
            self._event.set()


class _Once(_Stoppable):
    """Runs every due job once, then returns (``--once``)."""

    def _main_loop(self) -> None:
        self._process_jobs()


def schedule(
    cfg: Settings,
    config_path: str | None,
    *,
    once: bool = False,
    on_start: Callable[[list[JobSpec]], None] | None = None,
) -> None:
    from db import locks
    from db.engine import session_factory

    factory = session_factory(cfg.database_url)  # the data directory and our schema first
    with locks.Lease(factory, "scheduler") as lease:  # one scheduler per database
        if lease.holder is not None:
            raise SchedulerBusy(
                f"another scheduler runs on this database ({lease.holder}); this one exits "
                "(`llmwatch locks` lists it; a dead one's lock is taken over by the next start)"
            )
        _stopping.clear()
        _run(cfg, config_path, once, on_start)


def _run(cfg: Settings, config_path: str | None, once: bool, on_start: Callable[[list[JobSpec]], None] | None) -> None:
    cls = _Once if once else _Stoppable
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(url=cfg.database_url)},
        executors={"default": {"type": "threadpool", "max_workers": int(cfg.raw["schedule"]["workers"])}},
        job_defaults=_job_defaults(cfg),
        timezone=cfg.raw["schedule"]["timezone"],
    )

    def stop(signum: int, _frame: Any) -> None:
        if _stopping.is_set():
            return
        log.warning("stopping: the current run finishes first")
        _stopping.set()
        for child in list(_children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)  # Scrapy stops cleanly: every stored page is whole
        scheduler.wakeup()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        specs = sync_jobs(cfg, config_path)
        if on_start:  # the handlers are in place: a SIGTERM from now on stops it cleanly
            on_start(specs)
        if _stopping.is_set():
            return
        scheduler.start()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)  # the running jobs end (their children were told to stop)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
