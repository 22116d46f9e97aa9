"""A fetched ECB rates file: checked, kept where every conversion reads it (in place of
an older or a shorter copy, never of a newer or a longer one: a file that ends
earlier, or starts later, is a good fetch that replaces nothing), and its snapshot recorded for the ``fx``
source's health. A file that cannot be read is an error with its reason; the copy
kept before stays in use."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipeline.extract.fx import MAX_AGE, FxError, History, read_history
from pipeline.extract.records import IngestResult, Page
from pipeline.store.ingest import record_fetch


def record_rates(
    factory: sessionmaker[Session],
    source: str,
    page: Page,
    dest: Path,
    *,
    warc: tuple[str | None, int | None] = (None, None),
    error: str | None = None,
    run_id: int | None = None,
) -> IngestResult:
    days, note, message = 0, error, ""
    if note is None and 200 <= page.status < 300:
        try:
            history = read_history(page.body)
        except FxError as exc:
            note = f"rates not read: {exc}"
        else:
            days = len(history.days)
            message = f"{days} days of USD/CNY rates, to {history.last}"
            behind = page.fetched_at.date() - history.last
            if behind > MAX_AGE:  # a mirror that stopped: said, since conversions will fall back to the table
                message += (
                    f" ({behind.days} days before this fetch: figures seen after"
                    f" {history.last + MAX_AGE} are converted with the yearly table)"
                )
            kept = _kept(dest)
            if kept is not None and history.last < kept.last:  # a lagging mirror, or the replay of an old archive
                message = f"the fetched file ends {history.last}, before the kept one ({kept.last}): kept that one"
            elif kept is not None and history.first > kept.first:  # the ECB's one-day or 90-day file: a part
                message = (
                    f"the fetched file starts {history.first}, after the kept one ({kept.first}): kept that one "
                    "(fetch the whole history, eurofxref-hist.zip)"
                )
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                part = dest.with_name(dest.name + ".part")
                part.write_bytes(page.body)
                os.replace(part, dest)  # readers see the old file or the new one, never half of one
    result = record_fetch(
        factory, source, page, items=days, error=note, warc=warc, run_id=run_id, kind="fx", empty="no rates"
    )
    if result.status != "error":
        result.message = message or result.message
    result.rows = 0  # days of rates are the snapshot's items, not price rows in a run's count
    return result


def _kept(dest: Path) -> History | None:
    try:
        return read_history(dest.read_bytes())
    except (OSError, FxError):
        return None
