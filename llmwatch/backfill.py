"""``llmwatch backfill``: the history of a file kept in a git repository (a community
price table, LiteLLM's JSON, llmprice.cn's page), every commit that changed it, oldest
first, each ingested as the source's page fetched at the commit's time. The evidence of
each snapshot is the commit (``git:<repository>@<commit>:<path>`` where a crawl names its
WARC record).

Pages are stored in date order, so a version older than what is already stored for the
page is skipped (counted as such): a rerun adds nothing, and an interrupted backfill
resumes where it stopped.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select


class NotARepository(ValueError):
    pass


@dataclass(frozen=True)
class Version:
    commit: str
    at: datetime


@dataclass
class Report:
    stored: int = 0
    unchanged: int = 0
    skipped: int = 0
    events: int = 0
    results: list[Any] = field(default_factory=list)


def _git(repo: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NotARepository(f"git {' '.join(args[:2])} in {repo}: {message[-1] if message else 'failed'}")
    return done.stdout


def versions(repo: Path, path: str, since: datetime | None = None) -> list[Version]:
    """Every commit that changed ``path``, oldest first (renames followed); not a repository
    or no such file in its history: ``NotARepository``, one line."""
    _git(repo, "rev-parse", "--git-dir")
    args = ["log", "--follow", "--format=%H %cI", "--reverse"]
    if since is not None:
        args.append(f"--since={since.isoformat()}")
    lines = _git(repo, *args, "--", path).decode().split("\n")
    found = []
    for line in filter(None, lines):
        commit, _, when = line.partition(" ")
        found.append(Version(commit, datetime.fromisoformat(when)))
    return found


def contents(repo: Path, version: Version, path: str) -> bytes | None:
    """The file as ``version`` left it (None where that commit deleted it)."""
    try:
        return _git(repo, "show", f"{version.commit}:{path}")
    except NotARepository:
        return None


def backfill(
    cfg: Any,
    source: str,
    repo: Path,
    path: str,
    found: list[Version],
    *,
    url: str | None = None,
    on_version: Callable[[Version, str], None] | None = None,
) -> Report:
    """Ingest the ``found`` versions of ``path`` in ``repo`` (``versions``) as ``source``'s
    page, oldest first; ``on_version`` hears each one's outcome."""
    from crawler import registry
    from db.engine import session_factory
    from db.models import Snapshot, Source
    from pipeline.extract.records import Page, decode_body
    from pipeline.store.ingest import ingest

    spider = registry.get(source)
    factory = session_factory(cfg.database_url)
    report = Report()
    where = str(repo.resolve())
    for version in found:
        body = contents(repo, version, path)
        if body is None:
            report.skipped += 1
            continue
        page_url = url or spider.url_for(decode_body(body))
        with factory() as s:
            newest = s.scalar(
                select(func.max(Snapshot.fetched_at))
                .join(Source, Source.id == Snapshot.source_id)
                .where(Source.name == source, Snapshot.url == page_url)
            )
        if newest is not None and version.at < newest:  # stored before (a rerun), or older than what is held
            report.skipped += 1
            if on_version:
                on_version(version, "skipped")
            continue
        result = ingest(
            factory,
            source,
            Page(page_url, body, version.at),
            lambda p: registry.extract(source, p, rates=cfg.rates, scope=cfg.scope),
            warc=(f"git:{where}@{version.commit}:{path}", None),
            policy=registry.policy(cfg),
            outbox=cfg.outbox,
        )
        report.results.append(result)
        report.events += len(result.events)
        if result.status == "unchanged":
            report.unchanged += 1
        else:
            report.stored += 1
        if on_version:
            on_version(version, result.status)
    return report
