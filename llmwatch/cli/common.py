"""What every command module shares: the app, common options, errors and helpers."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from llmwatch import config as config_mod
from llmwatch.output import Format, console, emit, err

app = typer.Typer(
    help="llmwatch: track China's LLM API prices from the web; query the changes.\n\n"
    "Examples:\n\n  llmwatch crawl deepseek\n\n  llmwatch prices --provider deepseek\n\n"
    "  llmwatch events --type price_changed --format json",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="table for people; json (one object a line) or csv for programs")
]

#: the exit code of a run that did not start because another run holds its lock (``llmwatch locks``)
BUSY = 4


class UsageError(Exception):
    """Exit 2: bad arguments or unreadable input."""


class NothingFound(Exception):
    """Exit 3: the input was read but nothing could be extracted."""


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"llmwatch {version('llmwatch')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            print("llmwatch (not installed)")
        raise typer.Exit(0)


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="configuration file (default ./llmwatch.toml)")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="print the version and exit", callback=_version, is_eager=True)
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Scrapy's log on the terminal too, not only in the run log")
    ] = False,
) -> None:
    if verbose:  # read by crawls in this process and in the scheduler's children
        os.environ["LLMWATCH_VERBOSE"] = "1"
    ctx.obj = config


def settings(ctx: typer.Context) -> config_mod.Settings:
    return config_mod.load(ctx.obj)


def when(text: str | None, name: str) -> datetime | None:
    """``--at``/``--since``/``--fetched-at``: ISO 8601 or a date; UTC unless a zone is given."""
    from llmwatch.filters import moment

    return moment(text, name)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


PRICE_COLUMNS = [
    ("provider", "provider"),
    ("model", "model"),
    ("component", "component"),
    ("condition", "condition"),
    ("amount_per_mtok", "per 1M"),
    ("currency", "cur"),
    ("cny_per_mtok", "CNY/1M"),
    ("raw", "as written"),
]
EVENT_COLUMNS = [
    ("occurred_at", "when (UTC)"),
    ("type", "type"),
    ("source", "source"),
    ("summary", "what"),
    ("id", "id"),
]


def source_urls(items: list[str] | None) -> dict[str, list[str]]:
    """``--url SOURCE=URL`` options, by source."""
    urls: dict[str, list[str]] = {}
    for item in items or []:
        name, sep, target = item.partition("=")
        if not sep or not target:
            raise UsageError(f"--url takes SOURCE=URL, got {item!r}")
        urls.setdefault(name, []).append(target)
    return urls


def page_line(result: Any) -> str:
    """One line per stored page: ✓ stored, = unchanged, ! nothing extracted, ✗ failed."""
    mark = {"stored": "[green]✓[/green]", "unchanged": "[dim]=[/dim]", "empty": "[yellow]![/yellow]"}
    line = f"{mark.get(result.status, '[red]✗[/red]')} {result.source:<12} {result.url}  {result.rows} rows"
    if result.events:
        line += f", {len(result.events)} events"
    if result.message:
        line += f"  [dim]{escape(result.message)}[/dim]"
    return line


def session(cfg: config_mod.Settings) -> Any:
    from db.engine import session_factory

    return session_factory(cfg.database_url)()


def show_events(cfg: config_mod.Settings, ids: list[int], fmt: Format) -> None:
    """Print the events with these ids (what a crawl or ingest just found)."""
    if not ids:
        return
    from sqlalchemy import select

    from db.models import Event, Snapshot, Source
    from llmwatch import views
    from pipeline.extract.alerts import describe
    from pipeline.store.outbox import event_record as event

    with session(cfg) as s:
        rows = s.execute(
            select(Event, Source.name, Snapshot.warc_path)
            .join(Source, Source.id == Event.source_id)
            .outerjoin(Snapshot, Snapshot.id == Event.snapshot_id)
            .where(Event.id.in_(ids))
            .order_by(Event.id)
        ).all()
        records = [event(ev, name, warc, views.funding_of(s, ev)) for ev, name, warc in rows]
    if fmt is Format.table:
        for rec in records:
            console.print(f"  {rec['type']:<18} {describe(rec)}", highlight=False)
    else:
        from llmwatch.records import EVENT_FIELDS

        emit(records, fmt, EVENT_COLUMNS, fields=EVENT_FIELDS)


def hint_if_empty(cfg: config_mod.Settings, s: Any) -> None:
    """Nothing matched because nothing was ever stored here: say where "here" is and what to do."""
    from sqlalchemy import make_url, select

    from db.models import Article, Snapshot

    if s.scalar(select(Snapshot.id).limit(1)) is None and s.scalar(select(Article.id).limit(1)) is None:
        where = make_url(cfg.database_url).render_as_string(hide_password=True)
        err.print(
            f"the database is empty ({where}): fetch the sources with `llmwatch crawl`, "
            "or load the archived demo pages with `make demo` and query them with LLMWATCH_DATA_DIR=.demo",
            highlight=False,
        )
