"""Feeding other tools: ``export`` in the registries' own formats, ``audit`` of a registry's file."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from llmwatch.cli.common import UsageError, app, session, settings, when
from llmwatch.output import Format, dumps, emit, err
from llmwatch.records import AUDIT_FIELDS


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Argument(help="models.dev, litellm, openrouter or jsonl")],
    out: Annotated[str, typer.Option("--out", help="a folder to write into, or - for stdout")] = "-",
    provider: Annotated[str | None, typer.Option(help="one provider only")] = None,
    at: Annotated[str | None, typer.Option(help="the prices in force at this date (ISO 8601)")] = None,
) -> None:
    """The most authoritative price of each key (the official page first), in a registry's format.

    USD: the provider's own USD figure where it publishes one, else the CNY figure
    converted at the rate of the day it was seen (each file says which). jsonl is
    llmwatch's own rows, CNY native. models.dev writes one TOML file per model.

      llmwatch export litellm > model_prices.json

      llmwatch export models.dev --out models.dev/ --provider deepseek

      llmwatch export openrouter --at 2025-06-01
    """
    from llmwatch import export as ex
    from llmwatch import filters, views
    from llmwatch.freshness import Limits

    if fmt not in ex.FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; known: {', '.join(ex.FORMATS)}")
    cfg = settings(ctx)
    with session(cfg) as s:
        records = views.prices_view(
            s,
            provider=filters.provider(s, provider, cfg.scope),
            at=when(at, "--at"),
            best=fmt == "jsonl",
            limits=Limits.of(cfg),
            rates=cfg.rates,
        )
    if fmt == "jsonl":
        files = {"prices.jsonl": "".join(dumps(r) + "\n" for r in records)}
    elif fmt == "models.dev":
        files = ex.models_dev(ex.choose(records, cfg.rates))
    else:
        text = (
            ex.litellm(ex.choose(records, cfg.rates))
            if fmt == "litellm"
            else ex.openrouter(ex.choose(records, cfg.rates))
        )
        files = {{"litellm": "model_prices_and_context_window.json", "openrouter": "models.json"}[fmt]: text}
    if out == "-":
        if fmt == "models.dev":
            for name, text in files.items():
                sys.stdout.write(f"# --- {name}\n{text}")
        else:
            sys.stdout.write(next(iter(files.values())))
        return
    for name, text in files.items():
        path = Path(out) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    err.print(f"wrote {len(files)} file{'s' if len(files) != 1 else ''} under {out}", highlight=False)


@app.command()
def audit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the registry's file (models.dev: the repository's folder)")],
    registry_format: Annotated[
        str, typer.Option("--format", help="the file's shape: litellm, openrouter or models.dev")
    ],
    fmt: Annotated[
        Format, typer.Option("--output", "-o", help="table for people; json (one object a line) or csv for programs")
    ] = Format.table,
) -> None:
    """Compare a price registry with the official prices held: what differs, what it lacks.

    A price differs when it is further than [changes] discrepancy_pct from the
    official page's (in USD: the provider's own figure, or CNY at the dated
    rate). Exit 0 when all agree, 1 when some differ or are missing.

      llmwatch audit model_prices_and_context_window.json --format litellm

      llmwatch audit models.json --format openrouter --output json
    """
    from llmwatch import audit as au
    from llmwatch import export as ex
    from llmwatch import views

    if registry_format not in au.FORMATS:
        raise UsageError(f"unknown registry format {registry_format!r}; known: {', '.join(au.FORMATS)}")
    if not file.exists():
        raise UsageError(f"no such file: {file}")
    cfg = settings(ctx)
    held = au.registry_prices(registry_format, file)
    with session(cfg) as s:
        records = [r for r in views.prices_view(s, rates=cfg.rates) if r["authority"] >= 3]
    found = au.compare(ex.choose(records, cfg.rates), held, Decimal(str(cfg.raw["changes"]["discrepancy_pct"])))
    columns = [
        ("status", "status"),
        ("provider", "provider"),
        ("model", "model"),
        ("component", "component"),
        ("condition", "condition"),
        ("registry_usd_per_mtok", "registry $/1M"),
        ("official_usd_per_mtok", "official $/1M"),
        ("diff_pct", "diff %"),
        ("official_given", "as published"),
        ("seen", "seen"),
    ]
    title = f"{len(found)} entries differ from or lack the official prices"
    # a narrow terminal keeps the values and drops these first
    emit(found, fmt, columns, title=title, fields=AUDIT_FIELDS, drop=("seen", "official_given", "condition"))
    if fmt is Format.table:
        differ = sum(r["status"] == "differs" for r in found)
        err.print(
            f"{differ} differ, {len(found) - differ} missing, against {len(records)} official prices", highlight=False
        )
    if found:
        raise typer.Exit(1)
