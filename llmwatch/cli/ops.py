"""Operating commands: the scheduler and the alert log."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from llmwatch.cli.common import BUSY, FormatOpt, NothingFound, UsageError, app, page_line, settings, source_urls
from llmwatch.output import Format, console, emit, err
from llmwatch.records import ALERT_FIELDS, LOCK_FIELDS

alerts_app = typer.Typer()
app.add_typer(alerts_app, name="alerts")
locks_app = typer.Typer()
app.add_typer(locks_app, name="locks")


@app.command()
def schedule(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="run every due job once, then exit")] = False,
) -> None:
    """Run the scheduler: each source crawled on its schedule, then stale checks and alert delivery.

    Jobs and their next run times live in the database, so a restart loses
    nothing; runs missed while it was down are run once. SIGTERM or Ctrl-C
    stops the running crawls cleanly, then exits. One scheduler per database:
    a second one exits with code 4. A crawl past [schedule] time_limit is
    stopped and recorded as failed.

      llmwatch schedule

      llmwatch schedule --once      # from cron: whatever is due, once
    """
    from llmwatch import scheduler

    cfg = settings(ctx)

    def started(specs: list[Any]) -> None:
        for spec in specs:
            err.print(f"  {spec.source:<12} {spec.describe}", highlight=False)
        err.print(f"{len(specs)} jobs; {'running what is due' if once else 'waiting (Ctrl-C stops)'}", highlight=False)

    try:
        scheduler.schedule(cfg, str(ctx.obj) if ctx.obj else None, once=once, on_start=started)
    except scheduler.SchedulerBusy as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(BUSY) from None


@alerts_app.callback(invoke_without_command=True)
def alerts(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option("--pending", help="only alerts not yet delivered")] = False,
    limit: Annotated[int, typer.Option(help="the newest N", min=1)] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """The alert log: what was (or will be) sent where. Channels are shown redacted.

    llmwatch alerts --pending

    llmwatch alerts send

    llmwatch alerts test "json://127.0.0.1:8765/hook"
    """
    if ctx.invoked_subcommand:
        return
    from sqlalchemy import select

    from db.engine import session_factory
    from db.models import Alert, Event, Snapshot, Source
    from pipeline.extract.alerts import describe
    from pipeline.store.outbox import event_record

    cfg = settings(ctx)
    stmt = (
        select(Alert, Event, Source.name, Snapshot.warc_path)
        .join(Event, Event.id == Alert.event_id)
        .join(Source, Source.id == Event.source_id)
        .outerjoin(Snapshot, Snapshot.id == Event.snapshot_id)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    if pending:
        stmt = stmt.where(Alert.status != "sent")
    with session_factory(cfg.database_url)() as s:
        rows = s.execute(stmt).all()
    records = []
    for alert, ev, source, warc in reversed(rows):
        rec = event_record(ev, source, warc)
        records.append(
            {
                "id": alert.id,
                "status": alert.status,
                "channel": alert.channel_label,
                "rule": alert.rule,
                "digest": alert.digest,
                "attempts": alert.attempts,
                "created_at": alert.created_at,
                "sent_at": alert.sent_at,
                "next_attempt_at": alert.next_attempt_at if alert.status != "sent" else None,
                "last_error": alert.last_error,
                "event": rec,
                "summary": describe(rec),
                "message_id": alert.message_id,
            }
        )
    columns = [
        ("id", "id"),
        ("status", "status"),
        ("channel", "channel"),
        ("summary", "what"),
        ("attempts", "tries"),
        ("last_error", "last error"),
    ]
    emit(records, fmt, columns, title=f"{len(records)} alerts" + (" pending" if pending else ""), fields=ALERT_FIELDS)


@alerts_app.command("send")
def alerts_send(
    ctx: typer.Context,
    respect_backoff: Annotated[
        bool, typer.Option("--respect-backoff", help="only what is due (the scheduler's own retries)")
    ] = False,
) -> None:
    """Deliver every undelivered alert now (the scheduler does it after each run).

    Delivery is at least once: each message carries an id (the Idempotency-Key
    header and message_id of a webhook, with the event ids), and a message
    whose send was cut short or timed out is sent again with the same id, so
    a receiver that drops ids it has seen shows each alert once. A channel
    that is down keeps its alerts pending, retried with back-off.

      llmwatch alerts send

      llmwatch alerts send --respect-backoff
    """
    from db.engine import session_factory
    from llmwatch import delivery

    cfg = settings(ctx)
    report = delivery.deliver(cfg, session_factory(cfg.database_url), respect_backoff=respect_backoff)
    if report.skipped:
        err.print(f"skipped: {report.skipped}", highlight=False)
        raise typer.Exit(BUSY)
    err.print(f"{report.sent} alerts sent in {report.messages} messages; {report.pending} pending", highlight=False)
    for problem in report.problems:
        err.print(f"[yellow]not delivered[/yellow] {problem}", highlight=False)
    if report.pending and report.next_attempt is not None:
        when = f"{report.next_attempt:%Y-%m-%d %H:%M:%S}Z"
        if report.problems:
            err.print(f"next attempt at {when} (or now: llmwatch alerts send)", highlight=False)
        else:
            err.print(f"{report.pending} alerts wait for their back-off: next attempt at {when}", highlight=False)
    if report.problems:
        raise typer.Exit(1)


@alerts_app.command("test")
def alerts_test(
    url: Annotated[
        str, typer.Argument(help="an Apprise URL, file:///path or stdout://; ${VAR} is read from the environment")
    ],
) -> None:
    """Send a test message to one channel.

    llmwatch alerts test "ntfy://ntfy.sh/my-llm-prices"

    llmwatch alerts test 'dingtalk://${DINGTALK_TOKEN}/'
    """
    from llmwatch.channels import Channel
    from llmwatch.config import expand

    channel = Channel(expand(url))
    error = channel.send("llmwatch: test", "If you can read this, llmwatch can reach this channel.")
    if error:
        err.print(f"[red]error:[/red] {channel.label}: {error}", highlight=False)
        raise typer.Exit(1)
    console.print(f"sent a test message to {channel.label}", highlight=False)


@app.command()
def plot(
    ctx: typer.Context,
    models: Annotated[list[str] | None, typer.Argument(help="model ids, e.g. deepseek-chat qwen-long")] = None,
    component: Annotated[str, typer.Option(help="input, output, input_cache_hit, ...")] = "input",
    provider: Annotated[str | None, typer.Option(help="every model of this provider")] = None,
    cheapest: Annotated[int | None, typer.Option(help="the N cheapest paid models now", min=1)] = None,
    out: Annotated[str, typer.Option(help="PNG or SVG file to write")] = "prices.png",
) -> None:
    """Price history as a step chart, one line per model, in CNY per 1M tokens; changes marked.

    llmwatch plot deepseek-chat qwen-long doubao-pro-32k --out war.png

    llmwatch plot --provider deepseek --component output --out deepseek.svg

    llmwatch plot --cheapest 8 --out cheapest.png
    """
    from pathlib import Path

    from db.engine import session_factory
    from llmwatch import filters
    from llmwatch import plot as charts

    if not (models or provider or cheapest):
        raise UsageError("name models, or give --provider or --cheapest (see llmwatch plot --help)")
    if not out.lower().endswith((".png", ".svg")):
        raise UsageError(f"--out must end in .png or .svg, not {out!r}")
    cfg = settings(ctx)
    with session_factory(cfg.database_url)() as s:
        component = filters.component(s, component) or component
        provider = filters.provider(s, provider, cfg.scope)
        wanted = filters.models(s, models or [])
        if provider:
            wanted += charts.models_of(s, provider, component)
        if cheapest:
            wanted += charts.cheapest(s, cheapest, component, provider, paid=True)  # free ones would sit at 0
        lines = charts.series(s, list(dict.fromkeys(wanted)), component)
    if not lines:
        raise NothingFound(f"no {component} prices stored for {', '.join(wanted) or 'those models'}")
    title = f"{component} price, CNY per 1M tokens"
    charts.figure(lines, title=title).savefig(Path(out))
    err.print(f"wrote {out}: {len(lines)} models, {sum(len(line.changes) for line in lines)} changes", highlight=False)


@app.command()
def report(
    ctx: typer.Context,
    out: Annotated[str, typer.Option(help="folder to write index.html and its charts to")] = "report",
) -> None:
    """Write the market as a static site: prices (sortable, by provider), changes, funding, claims, sources.

    No server needed: open report/index.html in a browser.

      llmwatch report --out report
    """
    from pathlib import Path

    from db.engine import session_factory
    from llmwatch import report as site

    cfg = settings(ctx)
    with session_factory(cfg.database_url)() as s:
        index = site.build(cfg, s, Path(out))
    console.print(f"wrote {index}", highlight=False)


@app.command()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8754,
) -> None:
    """Browse the database: the report page live, and a read-only JSON API with the CLI's filters.

    /api/prices?provider=&model=&at=&source=&fresh=1&all_sources=1&limit=
    /api/events?type=&provider=&company=&since=&source=&model=&limit=
    /api/funding?company=&since=&limit=        /api/claims?at=     /api/sources

    The same filters as the commands, checked the same way: an unknown value or a bad date
    is a 400 with {"error": "..."} in plain words. HEAD is answered too.

      llmwatch serve                  # then open http://127.0.0.1:8754/
    """

    import signal

    from llmwatch.serve import make_server

    try:
        server = make_server(settings(ctx), port=port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    err.print(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", highlight=False)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM ends it as Ctrl-C does: its temporary folder removed

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def enqueue(
    ctx: typer.Context,
    sources: Annotated[list[str] | None, typer.Argument(help="source names (default: all)")] = None,
    url: Annotated[list[str] | None, typer.Option(help="SOURCE=URL: queue a mirror instead (repeatable)")] = None,
) -> None:
    """Queue one run of sources for the distributed workers (needs LLMWATCH_REDIS_URL).

    Each run gets a tag: its pages are fetched once by all workers together,
    and again by the next run.

      LLMWATCH_REDIS_URL=redis://10.0.0.5:6379/0 llmwatch enqueue deepseek moonshot
    """
    from crawler.distributed import enqueue as push

    cfg = settings(ctx)
    if not cfg.raw["redis"]["url"]:
        raise UsageError("no Redis configured: set LLMWATCH_REDIS_URL (or [redis] url)")
    try:
        tag, count = push(cfg, list(sources or []), source_urls(url))
    except OSError as exc:  # redis.ConnectionError is one
        raise UsageError(f"cannot reach Redis at {cfg.raw['redis']['url']}: {exc}") from None
    err.print(f"queued run {tag}: {count} requests", highlight=False)


@app.command()
def worker(
    ctx: typer.Context,
    idle_exit: Annotated[
        int, typer.Option(help="exit after this many seconds with nothing queued (0: run until stopped)", min=0)
    ] = 0,
) -> None:
    """A distributed crawl worker: takes queued requests from Redis and stores into the shared database.

    Run one per core on as many machines as you like, all with the same
    LLMWATCH_REDIS_URL and LLMWATCH_DATABASE_URL (PostgreSQL):

      LLMWATCH_REDIS_URL=redis://10.0.0.5:6379/0 \\
      LLMWATCH_DATABASE_URL=postgresql+psycopg://llmwatch@10.0.0.5/llmwatch llmwatch worker
    """
    from crawler import run as runner

    cfg = settings(ctx)
    if not cfg.raw["redis"]["url"]:
        raise UsageError("no Redis configured: set LLMWATCH_REDIS_URL (or [redis] url)")
    summary = runner.work(cfg, idle_exit=idle_exit, on_result=lambda r: err.print(page_line(r), highlight=False))
    c = summary.counts
    err.print(
        f"worker run {summary.run_id} {summary.status}: {c['pages']} pages ({c['unchanged']} unchanged), "
        f"{c['rows']} rows, {c['events']} events, {c['errors']} errors",
        highlight=False,
    )


@locks_app.callback(invoke_without_command=True)
def locks_list(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """The locks held in the database: one run of a source, one delivery, one scheduler at a time.

    A lock whose process died (or whose PID now belongs to another process) is taken over by
    the next run on its own; one held on another host expires when its holder stops renewing it.

      llmwatch locks

      llmwatch locks clear source:moonshot
    """
    if ctx.invoked_subcommand:
        return
    from db import locks
    from db.engine import session_factory

    cfg = settings(ctx)
    records = [
        {
            "name": lock.name,
            "owner": lock.owner,
            "state": locks.state(lock),
            "acquired_at": lock.acquired_at,
            "renewed_at": lock.renewed_at,
        }
        for lock in locks.held(session_factory(cfg.database_url))
    ]
    columns = [
        ("name", "name"),
        ("state", "state"),
        ("owner", "owner"),
        ("acquired_at", "since"),
        ("renewed_at", "renewed"),
    ]
    emit(records, fmt, columns, title=f"{len(records)} locks", fields=LOCK_FIELDS)


@locks_app.command("clear")
def locks_clear(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="a lock's name, as `llmwatch locks` lists it")]
) -> None:
    """Free a lock, whoever holds it (when its holder is known to be gone).

    llmwatch locks clear source:moonshot
    """
    from db import locks
    from db.engine import session_factory

    cfg = settings(ctx)
    factory = session_factory(cfg.database_url)
    if not locks.clear(factory, name):
        known = ", ".join(lock.name for lock in locks.held(factory)) or "none held"
        raise UsageError(f"no lock named {name!r} (held: {known})")
    err.print(f"freed {name}", highlight=False)
