"""Where fetched pricing pages are parsed and stored during a crawl: in batches
of at most ``[store] batch_size`` pages per transaction, either in the crawling
process or, for large crawls, in a second process, so that fetching and
storing each get a core.

The second process stores a batch when it is full, when nothing is waiting
and a quarter batch (or 0.25 s) has gathered, and at the end; it answers a
batch of results at a time. It is fed through a short queue: while that queue
is full the crawling process would only wait, so it reads the pages it holds
itself (extraction is pure: the same rows in either process) and sends the
rows with them; the two processes share the parsing as each has time. A crawl
holds at most the queue, 2 MB of held pages, and one batch in memory. If the
second process dies, the crawl stores what it had not answered for, and the
rest, itself; every page is in the run's WARC file in any case.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections import deque
from multiprocessing import get_context
from typing import Any, NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from crawler import registry
from crawler.options import Options
from pipeline.extract.records import Extraction, Page
from pipeline.store.ingest import IngestResult, OutOfOrder, PageJob, ingest_many

log = logging.getLogger(__name__)
#: pages queued for the storage process: a short queue fills soon, and then the crawling process
#: reads pages itself rather than leave a backlog that the end of the crawl would wait for
QUEUED = 32
#: bodies the crawling process holds while the queue is full before it waits: as many pages as
#: the queue of ordinary size, or thousands of 304s (no body, nothing to read, nothing to wait for)
HELD_BYTES = QUEUED * 64 * 1024


class Job(NamedTuple):
    """A fetched page on its way to storage, with its rows when they were read already."""

    source: str
    page: Page
    warc: tuple[str | None, int | None] = (None, None)
    error: str | None = None
    extraction: Extraction | None = None


def extract(cfg: Options, job: Job) -> Extraction:
    return registry.extract(job.source, job.page, rates=cfg.rates, scope=cfg.scope)


class Storer:
    """Batches pages and stores each batch in one transaction (a failing batch: page by page)."""

    def __init__(self, cfg: Options, run_id: int | None, *, migrated: bool = False) -> None:
        from db.engine import session_factory

        self.cfg, self.run_id = cfg, run_id
        self.factory = session_factory(cfg.database_url, migrate=not migrated)
        self.policy, self.outbox = registry.policy(cfg), cfg.outbox
        self.batch_size = max(1, int(cfg.raw["store"]["batch_size"]))
        self.batch: list[PageJob] = []
        self.started = 0.0

    def submit(self, job: Job) -> list[IngestResult]:
        done = job.extraction
        read = (lambda _: done) if done is not None else (lambda _: extract(self.cfg, job))
        description = registry.get(job.source).description
        self.batch.append(PageJob(job.source, job.page, read, self.run_id, job.warc, job.error, description))
        if len(self.batch) == 1:
            self.started = time.monotonic()
        if len(self.batch) >= self.batch_size or time.monotonic() - self.started > 2:
            return self.flush()
        return []

    def ripe(self) -> bool:
        """Worth storing now, though not full: a quarter of a batch, or a page waiting 0.25 s
        (each transaction has a fixed cost: a commit that waits for the disk, a few queries)."""
        return len(self.batch) >= max(1, self.batch_size // 4) or (
            bool(self.batch) and time.monotonic() - self.started > 0.25
        )

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


def _serve(cfg: Options, run_id: int | None, jobs: Any, results: Any, parent: int) -> None:
    """The second process: store what arrives until told to stop (or the crawl process is gone).
    Results go back a batch at a time (one message, not one per page)."""
    storer = Storer(cfg, run_id, migrated=True)  # the crawling process brought the schema up to date
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            if storer.ripe():  # nothing is waiting: store now rather than idle until the batch is full
                _answer(results, storer.flush())
            try:
                job = jobs.get(timeout=0.05 if storer.batch else 0.5)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl was killed: nothing more will come
                    return
                continue
        if job is None:
            _answer(results, storer.flush())
            results.put(None)
            return
        _answer(results, storer.submit(job))


def _answer(results: Any, stored: list[IngestResult]) -> None:
    if stored:
        results.put(stored)


class StoreProcess:
    """The same as ``Storer``, run in a second process. If that process dies, the pages it had
    not answered for are stored here instead (storing is idempotent: a page it did commit is
    found by its hash and changes nothing), and so is the rest of the crawl."""

    def __init__(self, cfg: Options, run_id: int | None) -> None:
        from db.engine import engine_for

        engine_for(cfg.database_url)  # the schema is brought up to date here, before the second process opens it
        ctx = get_context("spawn")  # a clean interpreter: no copy of the reactor's threads
        self.cfg, self.run_id = cfg, run_id
        self.jobs, self.results = ctx.Queue(maxsize=QUEUED), ctx.Queue()
        self.proc = ctx.Process(
            target=_serve, args=(cfg, run_id, self.jobs, self.results, os.getpid()), name="llmwatch-store"
        )
        self.proc.start()
        #: pages sent and not yet answered for, oldest first
        self.pending: dict[tuple[str, str], list[Job]] = {}
        #: pages not yet sent because the queue was full, oldest first
        self.held: deque[Job] = deque()
        self.held_bytes = 0
        #: how many held pages, from the oldest, are read already or have nothing to read
        self.held_read = 0
        self.fallback: Storer | None = None

    def submit(self, job: Job) -> list[IngestResult]:
        if self.fallback is not None:
            return self.fallback.submit(job)
        self.held.append(job)
        self.held_bytes += len(job.page.body)
        if not self._send(block=self.held_bytes > HELD_BYTES or len(self.held) > 100 * QUEUED):
            return self._store_here()
        return self.poll()

    def _send(self, *, block: bool) -> bool:
        """Queue the held pages, oldest first. While the queue is full, read the held pages
        here; wait only when ``block`` and every held page is read. False: the process is gone."""
        while self.held:
            try:
                self.jobs.put_nowait(self.held[0])
            except queue.Full:
                while self.held_read < len(self.held) and not _readable(self.held[self.held_read]):
                    self.held_read += 1  # (a cursor, not a scan: thousands of 304s may be held)
                if self.held_read < len(self.held):
                    job = self.held[self.held_read]
                    self.held[self.held_read] = job._replace(extraction=extract(self.cfg, job))
                    self.held_read += 1
                    continue  # the store may have caught up meanwhile
                if not block:
                    return True
                try:  # the crawl slows down instead of filling memory
                    self.jobs.put(self.held[0], timeout=1)
                except queue.Full:
                    if not self.proc.is_alive():
                        return False
                    continue
            job = self.held.popleft()
            self.held_bytes -= len(job.page.body)
            self.held_read = max(0, self.held_read - 1)
            self.pending.setdefault((job.source, job.page.url), []).append(job)
        return True

    def poll(self) -> list[IngestResult]:
        out = []
        while True:
            try:
                stored = self.results.get_nowait()
            except queue.Empty:
                return out
            out += [self._answered(result) for result in stored or ()]

    def flush(self) -> list[IngestResult]:
        """Stop: store what is queued, wait for every result."""
        if self.fallback is not None:
            return self.fallback.flush()
        if not self._send(block=True):
            return self._store_here(last=True)
        out: list[IngestResult] = []
        while True:  # the stop signal; the queue may be full, or its reader gone
            try:
                self.jobs.put(None, timeout=1)
                break
            except queue.Full:
                if not self.proc.is_alive():
                    return self._store_here(last=True)
        while True:
            try:
                stored = self.results.get(timeout=1)
            except queue.Empty:
                if not self.proc.is_alive():
                    return out + self._store_here(last=True)
                continue
            if stored is None:
                break
            out += [self._answered(result) for result in stored]
        # every page is stored and answered for: the process's own shutdown (a tenth of a second of
        # interpreter teardown) need not hold up the crawl; multiprocessing reaps it later
        self.proc.join(0.01)
        return out

    def _answered(self, result: IngestResult) -> IngestResult:
        waiting = self.pending.get((result.source, result.url))
        if waiting:
            waiting.pop(0)
            if not waiting:
                del self.pending[(result.source, result.url)]
        return result

    def _store_here(self, *, last: bool = False) -> list[IngestResult]:
        """The process is gone: what it answered, then what it had not, stored here (``last``:
        and the rest, the crawl being over)."""
        out = self.poll() + self._take_over()
        assert self.fallback is not None
        return out + self.fallback.flush() if last else out

    def _take_over(self) -> list[IngestResult]:
        log.error(
            "the storage process stopped (exit code %s); storing the %d pages it had not stored here",
            self.proc.exitcode,
            sum(len(jobs) for jobs in self.pending.values()) + len(self.held),
        )
        self.jobs.cancel_join_thread()  # what is still buffered for the dead reader is dropped, not waited on
        self.fallback = Storer(self.cfg, self.run_id)
        out: list[IngestResult] = []
        for jobs in [*self.pending.values(), [*self.held]]:  # those sent first, then those held here
            for job in jobs:
                out += self.fallback.submit(job)
        self.pending.clear()
        self.held.clear()
        self.held_bytes = self.held_read = 0
        return out


def _readable(job: Job) -> bool:
    """A fetched page whose rows are still to be read (not a failure, not a 304)."""
    return job.extraction is None and job.error is None and job.page.status == 200
