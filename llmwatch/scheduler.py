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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler import registry
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
    unknown = set(overrides) - set(registry.sources())
    if unknown:
        raise ConfigError(f"[schedule.sources] names unknown sources: {', '.join(sorted(unknown))}")
    specs = []
    for name, spider in registry.sources().items():
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


_child: subprocess.Popen[bytes] | None = None


def run_source(source: str, config_path: str | None = None) -> int:
    """The job: crawl one source in its own process (or, with Redis configured, queue it for
    the distributed workers), then the after-run checks."""
    global _child  # noqa: PLW0603 - the one running child, for signal forwarding
    from llmwatch.config import load

    command = "enqueue" if load(config_path).raw["redis"]["url"] else "crawl"
    args = [sys.executable, "-m", "llmwatch", *(["--config", config_path] if config_path else []), command, source]
    log.info("run %s", source)
    _child = subprocess.Popen(args)
    try:
        code = _child.wait()
    finally:
        _child = None
    after_run(config_path)
    return code


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


class _Once(BlockingScheduler):
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
    from db.engine import engine_for

    engine_for(cfg.database_url)  # the data directory and our schema first; the job store adds its table
    specs = sync_jobs(cfg, config_path)
    if on_start:
        on_start(specs)
    cls = _Once if once else BlockingScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(url=cfg.database_url)},
        executors={"default": {"type": "threadpool", "max_workers": 1}},
        job_defaults=_job_defaults(cfg),
        timezone=cfg.raw["schedule"]["timezone"],
    )

    def stop(signum: int, _frame: Any) -> None:
        log.warning("stopping: the current run finishes first")
        if _child is not None and _child.poll() is None:
            _child.send_signal(signal.SIGTERM)  # Scrapy stops cleanly: every stored page is whole
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    if once:
        scheduler.shutdown(wait=True)
