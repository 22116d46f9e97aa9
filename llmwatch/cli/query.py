"""Query commands: prices, events, history, sources, rejects; parse; db upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from llmwatch.cli.common import (
    EVENT_COLUMNS,
    PRICE_COLUMNS,
    FormatOpt,
    NothingFound,
    UsageError,
    app,
    db_app,
    hint_if_empty,
    session,
    settings,
    when,
)
from llmwatch.output import Format, dumps, emit, err, money_label, plain
from llmwatch.records import (
    CLAIM_FIELDS,
    EVENT_FIELDS,
    FUNDING_FIELDS,
    HELD_PRICE_FIELDS,
    OBSERVATION_FIELDS,
    REJECT_FIELDS,
    SOURCE_FIELDS,
)
from pipeline.extract import alerts

#: every type an event can have (``events --type``)
EVENT_TYPES = tuple(sorted(alerts.EVENT_TYPES))


@app.command()
def prices(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option(help="provider id, e.g. deepseek, bytedance, alibaba")] = None,
    model: Annotated[str | None, typer.Option(help="model id or part of it")] = None,
    at: Annotated[str | None, typer.Option(help="prices in force at this date/time (ISO 8601) instead of now")] = None,
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    best: Annotated[
        bool, typer.Option("--best", help="one row per price (the default; kept for scripts that pass it)")
    ] = False,
    all_sources: Annotated[
        bool,
        typer.Option("--all-sources", help="every source's row and every currency a page gives, not one row per price"),
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="leave out stale rows: evidence older than the source's staleness limit")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The current price table (or the one in force --at a date), one row per price.

    A row is current while its page shows it: a newer healthy fetch of the page without it ends
    it. Each price is the provider's own page's (role "official") when it has one, in the
    provider's own currency before a conversion of it; --all-sources shows every source
    beside it ("reference"). Each row says how old its evidence is ("seen": 3 d, 2 y) and is
    marked stale past its source's limit ([health] stale_after_intervals × its schedule).
    CNY figures converted from USD use the rate of the day last seen, shown to the source
    figure's precision (JSON and CSV keep every digit).

    llmwatch prices --provider deepseek

    llmwatch prices --all-sources --model qwen-long

    llmwatch prices --fresh --provider alibaba

    llmwatch prices --model qwen-long --at 2024-06-01 --format json
    """
    from llmwatch import filters, views
    from llmwatch.freshness import Limits, age_label
    from llmwatch.output import like_source

    cfg = settings(ctx)
    moment = when(at, "--at")
    with session(cfg) as s:
        provider, source = filters.provider(s, provider, cfg.scope), filters.source(s, source)
        records = views.prices_view(
            s,
            provider=provider,
            model=model,
            at=moment,
            source=source,
            best=best or not all_sources,
            limits=Limits.of(cfg),
            rates=cfg.rates,
        )
        if not records:
            hint_if_empty(cfg, s)
    if fresh:
        records = [r for r in records if not r["stale"]]
    if fmt is Format.table:
        now = moment or datetime.now(UTC)
        for rec in records:
            rec["age"] = age_label(now - rec["seen"]) + (" stale" if rec["stale"] else "")
            rec["cny_shown"] = like_source(rec["cny_per_mtok"], rec["amount_per_mtok"], rec["currency"])
    # with --at, the evidence is what was seen by then, and its age then
    columns = [
        *PRICE_COLUMNS[:6],
        ("cny_shown", "CNY/1M"),
        ("source", "source"),
        ("role", "role"),
        ("age", f"seen (by {at})" if at else "seen"),
    ]
    title = f"{len(records)} prices" + (f" at {at}" if at else "") + (" (stale rows left out)" if fresh else "")
    emit(
        records,
        fmt,
        columns,
        title=title,
        fields=HELD_PRICE_FIELDS,
        drop=("role", "provider", "currency", "amount_per_mtok"),
    )


@app.command()
def events(
    ctx: typer.Context,
    type_: Annotated[str | None, typer.Option("--type", help=f"one of {', '.join(EVENT_TYPES)}")] = None,
    provider: Annotated[str | None, typer.Option(help="provider id")] = None,
    company: Annotated[str | None, typer.Option(help="company id (funding events; same ids as providers)")] = None,
    since: Annotated[str | None, typer.Option(help="only events observed at or after this date (ISO 8601)")] = None,
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    model: Annotated[str | None, typer.Option(help="model id or part of it")] = None,
    limit: Annotated[int | None, typer.Option(help="at most this many (the newest)", min=1)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Detected changes: price_changed, model_added, model_removed, extraction_broken.

    llmwatch events --type price_changed --provider deepseek

    llmwatch events --since 2024-06-01 --format json
    """
    from llmwatch import filters, views

    cfg = settings(ctx)
    with session(cfg) as s:
        type_ = filters.event_type(type_, EVENT_TYPES)
        provider, source = filters.provider(s, provider, cfg.scope), filters.source(s, source)
        company = filters.company(s, company, cfg.names)
        records = views.events_view(
            s,
            type_=type_,
            provider=provider or company,
            since=when(since, "--since"),
            source=source,
            model=model,
            newest=limit,
        )
        if not records:
            hint_if_empty(cfg, s)
    emit(records, fmt, EVENT_COLUMNS, title=f"{len(records)} events", fields=EVENT_FIELDS, drop=("id", "source"))


@app.command()
def history(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="model id, e.g. deepseek-chat")],
    component: Annotated[str | None, typer.Option(help="input, output, input_cache_hit, ...")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Every price a model has had, by source, oldest first.

    llmwatch history deepseek-chat --component input
    """
    from db import queries
    from llmwatch import filters
    from llmwatch.records import observation

    cfg = settings(ctx)
    with session(cfg) as s:
        component = filters.component(s, component)
        rows = s.execute(queries.history(model, component=component)).all()
        if not rows:
            hint_if_empty(cfg, s)
    records = [observation(obs, name) for obs, name in rows]
    columns = [
        ("first_seen", "from"),
        ("ended_at", "until"),
        ("source", "source"),
        ("component", "component"),
        ("condition", "condition"),
        ("amount_per_mtok", "per 1M"),
        ("currency", "cur"),
        ("cny_per_mtok", "CNY/1M"),
    ]
    emit(records, fmt, columns, title=f"{model}: {len(records)} price periods", fields=OBSERVATION_FIELDS)


@app.command()
def sources(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Every source with its health: last fetch, its status, rows held, rejects.

    llmwatch sources --format json
    """
    from llmwatch import views

    cfg = settings(ctx)
    with session(cfg) as s:
        records = views.sources_view(cfg, s)
    columns = [
        ("source", "source"),
        ("status", "status"),
        ("schedule", "schedule"),
        ("health", "health"),
        ("last_success", "last success (UTC)"),
        ("last_error", "last error"),
        ("items_last_run", "items"),
        ("prices", "prices held"),
    ]
    emit(records, fmt, columns, title="sources", fields=SOURCE_FIELDS)


@app.command()
def funding(
    ctx: typer.Context,
    company: Annotated[
        str | None, typer.Option(help="company id: moonshot, zhipu, baichuan, 01ai, minimax, ...")
    ] = None,
    since: Annotated[str | None, typer.Option(help="rounds announced on or after this date (ISO 8601)")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Funding rounds, each once however many outlets reported it, with every source.

    llmwatch funding --company moonshot

    llmwatch funding --since 2024-01-01 --format json
    """
    from llmwatch import filters, views

    cfg = settings(ctx)
    with session(cfg) as s:
        company = filters.company(s, company, cfg.names)
        records = views.funding_view(s, company=company, since=when(since, "--since"), names=cfg.names)
        if not records:
            hint_if_empty(cfg, s)
    if fmt is Format.table:  # people read $1.0B and 50亿元; programs get the raw figures
        for rec in records:
            rec["amount_shown"] = money_label(
                rec["amount"], rec["currency"], rec["amount_qualifier"], rec["amount_high"]
            )
            rec["valuation_shown"] = money_label(rec["valuation"], rec["valuation_currency"])
    columns = [
        ("announced_on", "announced"),
        ("company_name", "company"),
        ("round", "round"),
        ("amount_shown", "amount"),
        ("valuation_shown", "valuation"),
        ("lead_investors", "led by"),
        ("investors", "investors"),
        ("source_count", "sources"),
    ]
    emit(records, fmt, columns, title=f"{len(records)} funding rounds", fields=FUNDING_FIELDS)


@app.command()
def rejects(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What could not be parsed, why, and where.

    llmwatch rejects --source litellm
    """
    from db import queries
    from llmwatch import filters

    cfg = settings(ctx)
    with session(cfg) as s:
        rows = s.execute(queries.rejects(source=filters.source(s, source))).all()
        if not rows:
            hint_if_empty(cfg, s)
    records = [
        {"source": name, "url": r.url, "snapshot": r.snapshot_id, "reason": r.reason, "raw": r.raw, "at": r.created_at}
        for r, name in rows
    ]
    emit(
        records,
        fmt,
        [("source", "source"), ("reason", "reason"), ("raw", "raw"), ("url", "url")],
        title=f"{len(records)} rejects",
        fields=REJECT_FIELDS,
    )


@app.command()
def parse(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="price, money or date")],
    text: Annotated[str, typer.Argument(help="the text to read")],
    fetched_at: Annotated[str | None, typer.Option("--fetched-at", help="base for relative dates (ISO 8601)")] = None,
) -> None:
    """Show how llmwatch reads a price, a money amount or a date (JSON).

    llmwatch parse price "0.8厘/千tokens"

    llmwatch parse money "超25亿元"

    llmwatch parse date "3小时前" --fetched-at 2024-07-06T12:00:00+08:00
    """
    from pipeline.extract.dates import DateError, parse_date
    from pipeline.extract.money import MoneyError, parse_money
    from pipeline.extract.units import PriceError, convert, parse_price

    base = when(fetched_at, "--fetched-at")
    out: dict[str, Any]
    try:
        if kind == "price":
            p = parse_price(text)
            day = (base or datetime.now().astimezone()).date()
            cny, rate = convert(p.amount_per_mtok, p.currency, day, settings(ctx).rates)
            out = {
                "amount_per_mtok": p.amount_per_mtok,
                "currency": p.currency,
                "cny_per_mtok": cny,
                "fx_rate": rate.value if rate else None,
                "fx_date": rate.on if rate else None,
                "fx_source": rate.source if rate else None,
                "free": p.free,
                "limited_time": p.limited_time,
                "raw": p.raw,
            }
            if p.cache_hit_per_mtok is not None:
                out["cache_hit_per_mtok"] = p.cache_hit_per_mtok
        elif kind == "money":
            m = parse_money(text)
            out = {"amount": m.amount, "currency": m.currency, "qualifier": m.qualifier}
        elif kind == "date":
            out = {"utc": parse_date(text, base)}
        else:
            raise UsageError(f"parse takes price, money or date, not {kind!r}")
    except (PriceError, MoneyError, DateError) as exc:
        raise NothingFound(str(exc)) from None
    print(dumps(out))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations (also done automatically on first use).

    LLMWATCH_DATABASE_URL=postgresql+psycopg://user@host/db llmwatch db upgrade
    """
    from db.engine import make_engine, upgrade

    cfg = settings(ctx)
    upgrade(make_engine(cfg.database_url))
    err.print(
        f"database at head: {make_engine(cfg.database_url).url.render_as_string(hide_password=True)}", highlight=False
    )


@app.command()
def claims(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(help="status at this date instead of now (ISO 8601)")] = None,
    recheck: Annotated[
        bool, typer.Option("--recheck", help="record the statuses; a change is a claim_changed event")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The article's claims, checked against the data: then, now, and the evidence.

    Each claim is supported, contradicted or "no data" at the article's date
    and now; the evidence is every source's figure, the most recently seen
    deciding. Add your own claims with [claims] files (see the README).

      llmwatch claims

      llmwatch claims --at 2025-01-01 --format json
    """
    from datetime import time

    from db.engine import session_factory
    from pipeline.store import claims as ledger

    cfg = settings(ctx)
    moment = when(at, "--at")
    if moment is not None and moment.time() == time(0):
        moment = moment.replace(hour=23, minute=59, second=59)  # a date means the end of that day
    try:
        loaded = ledger.load(cfg.claim_files)
    except ledger.ClaimError as exc:
        raise UsageError(str(exc)) from None
    factory = session_factory(cfg.database_url)
    if recheck:
        with factory.begin() as s:
            changed = ledger.recheck(s, loaded, outbox=cfg.outbox, rates=cfg.rates)
        for ev in changed:
            err.print(f"claim_changed: {ev.reason}", highlight=False)
    with factory() as s:
        records = [ledger.record(s, c, at=moment, rates=cfg.rates) for c in loaded]
    if fmt is Format.table:
        for rec in records:
            deciding = max((e for e in rec["evidence"] if e["fetched_at"]), key=lambda e: e["fetched_at"], default=None)
            rec["now_evidence"] = (
                f"{deciding['what']}: {plain(deciding['value'])} {deciding['currency'] or ''} "
                f"({deciding['source']}, {deciding['fetched_at']:%Y-%m-%d})"
                if deciding and deciding["value"] is not None
                else ""
            )
    columns = [
        ("id", "claim"),
        ("status_at_article", "at article (2024-07-06)"),
        ("status_now", f"at {at}" if at else "now"),
        ("now_evidence", "deciding evidence"),
        ("text", "claim"),
    ]
    emit(records, fmt, columns, title=f"{len(records)} claims", fields=CLAIM_FIELDS)
