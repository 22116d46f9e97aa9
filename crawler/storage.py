"""Where fetched pricing pages are parsed and stored during a crawl: in batches
(``[store] batch_size`` pages per transaction, flushed every 2 s and at the
end), either in the crawling process or, for large crawls, in a second
process, so that fetching and storing each get a core.

The second process is fed through a bounded queue (a crawl never holds more
than a few hundred pages in memory) and answers with each page's result. If
it dies, every page it had not stored is still in the run's WARC file.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from multiprocessing import get_context
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from crawler import registry
from llmwatch import channels
from llmwatch.config import Settings
from pipeline.records import Page
from pipeline.store import IngestResult, OutOfOrder, PageJob, ingest_many

log = logging.getLogger(__name__)
Job = tuple[str, Page, tuple[str | None, int | None], str | None]  # source, page, warc, error


class Storer:
    """Batches pages and stores each batch in one transaction (a failing batch: page by page)."""

    def __init__(self, cfg: Settings, run_id: int | None) -> None:
        from db.engine import session_factory

        self.cfg, self.run_id = cfg, run_id
        self.factory = session_factory(cfg.database_url)
        self.policy, self.outbox = cfg.policy, channels.outbox(cfg)
        self.batch_size = max(1, int(cfg.raw["store"]["batch_size"]))
        self.batch: list[PageJob] = []
        self.started = 0.0

    def submit(self, job: Job) -> list[IngestResult]:
        source, page, warc, error = job
        cfg = self.cfg
        extract = lambda p: registry.extract(source, p, rates=cfg.rates, scope=cfg.scope)  # noqa: E731
        self.batch.append(PageJob(source, page, extract, self.run_id, warc, error, registry.get(source).description))
        if len(self.batch) == 1:
            self.started = time.monotonic()
        if len(self.batch) >= self.batch_size or time.monotonic() - self.started > 2:
            return self.flush()
        return []

    def flush(self) -> list[IngestResult]:
        jobs, self.batch = self.batch, []
        if not jobs:
            return []
        try:
            return ingest_many(self.factory, jobs, policy=self.policy, outbox=self.outbox)
        except (OutOfOrder, SQLAlchemyError):
            return [self._one(job) for job in jobs]  # the bad page loses only itself

    def _one(self, job: PageJob) -> IngestResult:
        try:
            return ingest_many(self.factory, [job], policy=self.policy, outbox=self.outbox)[0]
        except (OutOfOrder, SQLAlchemyError) as exc:
            # the raw response is already in the WARC file: replaying it later recovers the page
            message = str(exc).splitlines()[0]
            log.error("%s: %s not stored: %s", job.source, job.page.url, message)
            return IngestResult(job.source, job.page.url, "error", message=f"not stored: {message}")


def _serve(cfg: Settings, run_id: int | None, jobs: Any, results: Any, parent: int) -> None:
    """The second process: store what arrives until told to stop (or the crawl process is gone)."""
    storer = Storer(cfg, run_id)
    while True:
        try:
            job = jobs.get(timeout=0.5)
        except queue.Empty:
            if os.getppid() != parent:  # the crawl was killed: nothing more will come
                return
            for result in storer.flush():
                results.put(result)
            continue
        if job is None:
            for result in storer.flush():
                results.put(result)
            results.put(None)
            return
        for result in storer.submit(job):
            results.put(result)


class StoreProcess:
    """The same as ``Storer``, run in a second process. If that process dies, the pages it had
    not answered for are stored here instead (storing is idempotent: a page it did commit is
    found by its hash and changes nothing), and so is the rest of the crawl."""

    def __init__(self, cfg: Settings, run_id: int | None) -> None:
        ctx = get_context("spawn")  # a clean interpreter: no copy of the reactor's threads
        self.cfg, self.run_id = cfg, run_id
        self.jobs, self.results = ctx.Queue(maxsize=256), ctx.Queue()
        self.proc = ctx.Process(
            target=_serve, args=(cfg, run_id, self.jobs, self.results, os.getpid()), name="llmwatch-store"
        )
        self.proc.start()
        #: pages sent and not yet answered for, oldest first
        self.pending: dict[tuple[str, str], list[Job]] = {}
        self.fallback: Storer | None = None

    def submit(self, job: Job) -> list[IngestResult]:
        if self.fallback is not None:
            return self.fallback.submit(job)
        self.pending.setdefault((job[0], job[1].url), []).append(job)
        while True:  # blocks while the store is behind: the crawl slows instead of filling memory
            try:
                self.jobs.put(job, timeout=1)
                return self.poll()
            except queue.Full:
                if not self.proc.is_alive():
                    return self.poll() + self._take_over()

    def poll(self) -> list[IngestResult]:
        out = []
        while True:
            try:
                result = self.results.get_nowait()
            except queue.Empty:
                return out
            if result is not None:
                out.append(self._answered(result))

    def flush(self) -> list[IngestResult]:
        """Stop: store what is queued, wait for every result."""
        if self.fallback is not None:
            return self.fallback.flush()
        out: list[IngestResult] = []
        while True:  # the stop signal; the queue may be full, or its reader gone
            try:
                self.jobs.put(None, timeout=1)
                break
            except queue.Full:
                if not self.proc.is_alive():
                    return self.poll() + self._take_over() + self.fallback.flush()  # type: ignore[union-attr]
        while True:
            try:
                result = self.results.get(timeout=1)
            except queue.Empty:
                if not self.proc.is_alive():
                    out += self._take_over() + self.fallback.flush()  # type: ignore[union-attr]
                    break
                continue
            if result is None:
                break
            out.append(self._answered(result))
        self.proc.join(10)
        return out

    def _answered(self, result: IngestResult) -> IngestResult:
        waiting = self.pending.get((result.source, result.url))
        if waiting:
            waiting.pop(0)
            if not waiting:
                del self.pending[(result.source, result.url)]
        return result

    def _take_over(self) -> list[IngestResult]:
        log.error(
            "the storage process stopped (exit code %s); storing the %d pages it had not stored here",
            self.proc.exitcode,
            sum(len(jobs) for jobs in self.pending.values()),
        )
        self.jobs.cancel_join_thread()  # what is still buffered for the dead reader is dropped, not waited on
        self.fallback = Storer(self.cfg, self.run_id)
        out: list[IngestResult] = []
        for jobs in self.pending.values():
            for job in jobs:
                out += self.fallback.submit(job)
        self.pending.clear()
        return out
