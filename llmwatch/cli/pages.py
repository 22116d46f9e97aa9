"""Page commands: crawl, extract, ingest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from llmwatch.cli.common import (
    BUSY,
    PRICE_COLUMNS,
    FormatOpt,
    NothingFound,
    UsageError,
    app,
    page_line,
    read_file,
    settings,
    show_events,
    source_urls,
    when,
)
from llmwatch.output import Format, emit, err
from llmwatch.records import PRICE_FIELDS, RATE_FIELDS, REPORT_FIELDS


@app.command()
def crawl(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None, typer.Argument(help="source names (default: all); see `llmwatch sources`")
    ] = None,
    replay: Annotated[
        str | None, typer.Option(help="answer requests from this WARC file or folder instead of the network")
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option(help="SOURCE=URL: fetch a mirror instead of the source's own URLs (repeatable)")
    ] = None,
) -> None:
    """Fetch sources (live, or from archived responses), store prices and detect changes.

    Every response is archived to a WARC file in the data directory, so a run
    can be replayed offline exactly:

      llmwatch crawl deepseek moonshot

      llmwatch crawl --replay ~/.local/share/llmwatch/warc/run-00001.warc.gz
    """
    from crawler import run as runner

    cfg = settings(ctx)
    urls = source_urls(url)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from crawler import registry

    names = list(sources or registry.sources())
    total = None if replay else sum(len(urls.get(n) or registry.get(n).start_urls) for n in names)
    bar = Progress(
        TextColumn("crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = bar.add_task("crawl", total=total)

    def progress(result: Any) -> None:
        bar.advance(task)
        err.print(page_line(result), highlight=False)

    with bar:
        summary = runner.crawl(cfg, list(sources or []), replay=replay, urls=urls, on_result=progress)
    for name, why in summary.skipped.items():
        err.print(f"[yellow]skipped[/yellow] {name}: {escape(why)}", highlight=False)
    if summary.status == "skipped":
        if summary.busy:
            raise typer.Exit(BUSY)
        return
    c = summary.counts
    err.print(
        f"run {summary.run_id} {summary.status}: {c['pages']} pages ({c['unchanged']} unchanged), {c['rows']} rows, "
        f"{c['events']} events, {c['rejects']} rejects, {c['errors']} errors"
        + (f"; archive {summary.warc_path}" if summary.warc_path else "")
        + (f"; log {summary.log_path}" if summary.log_path else ""),
        highlight=False,
    )
    show_events(cfg, [ev["id"] for r in summary.results for ev in r.events], Format.table)
    if summary.status != "finished":
        raise typer.Exit(1)
    if c["errors"]:
        what = "no page could" if c["errors"] == c["pages"] else f"{c['errors']} of {c['pages']} pages could not"
        err.print(f"[red]error:[/red] {what} be fetched or stored (see the ✗ lines above)", highlight=False)
        raise typer.Exit(1)
    if summary.busy:
        raise typer.Exit(BUSY)


#: what ``extract`` and ``ingest`` read: a saved page, its source, and where it came from
PageFile = Annotated[Path, typer.Argument(help="a saved page: HTML, Markdown or JSON")]
SourceOpt = Annotated[str, typer.Option(help="source name, or `generic` (needs --provider)")]
UrlOpt = Annotated[str | None, typer.Option(help="the page's URL (default: the source's own)")]
ProviderOpt = Annotated[str | None, typer.Option(help="provider id for --source generic")]


def _needs_provider(source: str, provider: str | None) -> None:
    if source == "generic" and not provider:
        raise UsageError("--source generic needs --provider (e.g. --provider zhipu)")


def _is_news(source: str) -> bool:
    from crawler import registry

    return source == "article" or (source != "generic" and registry.get(source).kind == "news")


def _is_fx(source: str) -> bool:
    from crawler import registry

    return source not in ("generic", "article") and registry.get(source).kind == "fx"


def _page(path: Path, source: str, url: str | None, fetched_at: str | None) -> Any:
    from crawler import registry
    from pipeline.extract.records import Page, decode_body

    body = read_file(path)
    own = source not in ("generic", "article") and not _is_news(source) and not _is_fx(source)
    at = when(fetched_at, "--fetched-at") or datetime.now(UTC).replace(microsecond=0)
    if url is None:
        if own:
            url = registry.get(source).url_for(decode_body(body))
        else:
            url = registry.get(source).start_urls[0] if _is_fx(source) else path.resolve().as_uri()
    return Page(url=url, body=body, fetched_at=at)


def _extract_rates(page: Any, file: Path, fmt: Format) -> None:
    """The USD/CNY rates of an ECB file, a day a row (a table shows the newest 20)."""
    from pipeline.extract.fx import ECB, FxError, read_history

    try:
        history = read_history(page.body)
    except FxError as exc:
        raise NothingFound(f"{file}: {exc}") from None
    records = [{"date": d, "usd_cny": r, "source": ECB} for d, r in sorted(history.days.items())]
    title = f"{len(records)} days of USD/CNY rates, {history.first} to {history.last}"
    if fmt is Format.table:
        records, title = records[-20:], f"{title} (the newest 20; --format json for all)"
    emit(
        records,
        fmt,
        [("date", "date"), ("usd_cny", "CNY per USD"), ("source", "source")],
        title=title,
        fields=RATE_FIELDS,
    )


def _extract_news(page: Any, file: Path, fmt: Format, names: Any = None) -> None:
    """Funding reports in a feed, a headline list, an article page or a plain-text article."""
    from crawler import registry
    from pipeline.store.news import news_records

    records = news_records(registry.news_items(page), names)
    found = [r for r in records if r["kind"] == "funding"]
    if not found:
        reasons = sorted({r["reason"] for r in records if "reason" in r}) or ["no news items found"]
        raise NothingFound(f"{file}: no funding round found ({'; '.join(reasons)})")
    columns = [
        ("company", "company"),
        ("round", "round"),
        ("amount", "amount"),
        ("currency", "cur"),
        ("amount_qualifier", "qualifier"),
        ("valuation", "valuation"),
        ("status", "status"),
        ("lead_investors", "led by"),
        ("announced_on", "announced"),
        ("title", "title"),
    ]
    shown = records if fmt is not Format.table else found
    emit(shown, fmt, columns, title=f"{len(found)} funding reports", fields=REPORT_FIELDS)


@app.command()
def extract(
    ctx: typer.Context,
    file: PageFile,
    source: SourceOpt,
    url: UrlOpt = None,
    fetched_at: Annotated[
        str | None, typer.Option("--fetched-at", help="when it was fetched (ISO 8601); sets the exchange rate date")
    ] = None,
    provider: ProviderOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run one source's parser over a saved file and print the price rows; stores nothing.

    llmwatch extract saved/pricing.html --source deepseek --format json

    llmwatch extract table.md --source generic --provider zhipu
    """
    from crawler import registry
    from llmwatch.records import price_row

    _needs_provider(source, provider)
    cfg = settings(ctx)
    page = _page(file, source, url, fetched_at)
    if _is_news(source):
        _extract_news(page, file, fmt, cfg.names)
        return
    if _is_fx(source):
        _extract_rates(page, file, fmt)
        return
    result = registry.extract(source, page, rates=cfg.rates, scope=cfg.scope, provider=provider)
    for rej in result.rejects:
        err.print(f"[yellow]reject[/yellow] {rej.reason}", highlight=False)
    if not result.rows:
        raise NothingFound(f"{file}: {result.empty_reason}")
    records = [price_row(r, page.url, page.fetched_at) for r in result.rows]
    emit(records, fmt, PRICE_COLUMNS, title=f"{source}: {len(records)} prices from {file.name}", fields=PRICE_FIELDS)


@app.command()
def ingest(
    ctx: typer.Context,
    file: PageFile,
    source: SourceOpt,
    fetched_at: Annotated[str, typer.Option("--fetched-at", help="when the page was fetched (ISO 8601)")],
    url: UrlOpt = None,
    provider: ProviderOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Store a saved page as if it had been crawled at --fetched-at, and print the changes.

    Ingest snapshots of one page in date order; the same file twice changes nothing.

      llmwatch ingest README-2024-05-23.md --source syaoranwe --fetched-at 2024-05-23T10:33:46Z
    """
    from crawler import registry
    from db.engine import session_factory
    from pipeline.store.ingest import ingest as store

    _needs_provider(source, provider)
    cfg = settings(ctx)
    page = _page(file, source, url, fetched_at)
    if _is_news(source):
        _ingest_news(cfg, page, "news" if source == "article" else source, fmt)
        return
    if _is_fx(source):
        from pipeline.store.fx import record_rates

        kept = record_rates(session_factory(cfg.database_url), source, page, cfg.fx_file)
        if kept.status == "error":
            raise NothingFound(f"{file}: {kept.message}")
        err.print(f"{kept.status}: {kept.message or 'already stored'} (kept as {cfg.fx_file})", highlight=False)
        return
    name = source if source != "generic" else f"generic-{provider}"
    result = store(
        session_factory(cfg.database_url),
        name,
        page,
        lambda p: registry.extract(source, p, rates=cfg.rates, scope=cfg.scope, provider=provider),
        policy=registry.policy(cfg),
        outbox=cfg.outbox,
    )
    err.print(
        f"{result.status}: {result.rows} rows, {len(result.events)} events, {result.rejects} rejects"
        + (f" ({result.message})" if result.message else ""),
        highlight=False,
    )
    show_events(cfg, [ev["id"] for ev in result.events], fmt)
    if result.status == "empty" and not result.events:
        raise NothingFound(f"{file}: {result.message}")


def _ingest_news(cfg: Any, page: Any, source: str, fmt: Format) -> None:
    from crawler import registry
    from db.engine import session_factory
    from pipeline.store.ingest import record_fetch
    from pipeline.store.news import NewsStore

    factory = session_factory(cfg.database_url)
    store = NewsStore(factory, rates=cfg.rates, outbox=cfg.outbox, names=cfg.names)
    items = registry.news_items(page)
    # the file is a fetch of the source as of --fetched-at: it counts for the source's health
    record_fetch(factory, source, page, items=len(items))
    results = [store.ingest(source, item) for item in items]
    stored = [r for r in results if r.status == "stored"]
    funded = [r for r in stored if r.funding_event_id]
    err.print(
        f"{len(results)} items: {len(stored)} new ({len(funded)} with a funding round), "
        f"{len(results) - len(stored)} already stored",
        highlight=False,
    )
    show_events(cfg, [ev["id"] for r in results for ev in r.events], fmt)


@app.command()
def backfill(
    ctx: typer.Context,
    git_dir: Annotated[Path, typer.Argument(help="a clone of the repository that keeps the file")],
    source: Annotated[str, typer.Option(help="the source whose page the file is (syaoranwe, litellm, llmprice_cn)")],
    path: Annotated[str, typer.Option("--path", help="the file, relative to the repository")],
    since: Annotated[str | None, typer.Option(help="only commits from this date (ISO 8601)")] = None,
    url: UrlOpt = None,
) -> None:
    """Years of price history from git: every commit that changed a file, oldest first.

    Each version is ingested as the source's page fetched at its commit time,
    with the commit as its evidence. A rerun adds nothing; an interrupted
    backfill resumes. Versions older than what is stored for the page are
    skipped (backfill into a new database, or before the first crawl).

      git clone https://github.com/syaoranwe/LLM-Price

      llmwatch backfill LLM-Price --source syaoranwe --path README.md

      llmwatch backfill litellm/ --source litellm --path model_prices_and_context_window.json --since 2025-01-01
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from llmwatch import backfill as bf

    cfg = settings(ctx)
    from crawler import registry

    registry.get(source)  # unknown names fail before anything starts
    try:
        found = bf.versions(git_dir, path, when(since, "--since"))
    except bf.NotARepository as exc:
        raise UsageError(str(exc)) from None
    if not found:
        raise NothingFound(f"no commit of {git_dir} changed {path}" + (f" since {since}" if since else ""))
    bar = Progress(TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), console=err, transient=True,
                   disable=not err.is_terminal)  # fmt: skip
    task = bar.add_task("backfill", total=len(found))

    def progress(version: Any, status: str) -> None:
        bar.advance(task)
        if status not in ("unchanged", "skipped"):
            err.print(f"{version.at:%Y-%m-%d %H:%M} {version.commit[:10]} {status}", highlight=False)

    with bar:
        report = bf.backfill(cfg, source, git_dir, path, found, url=url, on_version=progress)
    err.print(
        f"{len(found)} versions: {report.stored} stored, {report.unchanged} unchanged, "
        f"{report.skipped} skipped (already stored or older than the stored page), {report.events} events",
        highlight=False,
    )
