"""``llmwatch audit``: a price registry's file (LiteLLM's JSON, OpenRouter's models
response, a models.dev tree) against the providers' own pages held. Every entry that
differs from the official price beyond ``[changes] discrepancy_pct``, and every official
price the registry lacks, with both values, the official page and when it was seen.

The registry is read by llmwatch's own parsers (the ``litellm`` and ``openrouter``
sources), so its model ids are normalised exactly as a crawl of it would be.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmwatch.export import COMPONENTS, Price
from pipeline.extract.changes import change_pct
from pipeline.extract.providers import VENDOR_SLUGS, normalise_model
from pipeline.extract.units import fmt

FORMATS = ("litellm", "openrouter", "models.dev")
#: where a registry names the provider a models.dev tree calls otherwise
_MODELS_DEV_PROVIDERS = {**VENDOR_SLUGS, "zhipuai": "zhipu", "moonshotai": "moonshot", "alibaba-cn": "alibaba"}

Key = tuple[str, str, str, str | None]


def registry_prices(fmt: str, path: Path) -> dict[Key, Decimal]:
    """The registry's prices, USD per 1M tokens, by (provider, model, component, condition)."""
    if fmt == "models.dev":
        return _models_dev(path)
    from crawler import registry
    from pipeline.extract.records import Page

    name = {"litellm": "litellm", "openrouter": "openrouter"}[fmt]
    page = Page(registry.get(name).start_urls[0], path.read_bytes(), datetime.now(UTC))
    rows = registry.extract(name, page).rows
    return {(r.provider, r.model, r.component, r.condition): r.amount_per_mtok for r in rows if r.currency == "USD"}


def _models_dev(root: Path) -> dict[Key, Decimal]:
    """``providers/<provider>/models/<model>.toml``: ``[cost]`` and its ``[[cost.tiers]]``."""
    from pipeline.extract.conditions import context_tier

    found: dict[Key, Decimal] = {}
    fields = {md: ours for ours, (_, _, md) in COMPONENTS.items()}
    ours = set(VENDOR_SLUGS.values())
    for file in sorted(root.glob("providers/*/models/**/*.toml")):
        parts = file.relative_to(root).parts  # providers, <provider>, models, <model...>.toml
        provider = parts[1] if parts[1] in ours else _MODELS_DEV_PROVIDERS.get(parts[1])
        if provider is None:
            continue
        model = normalise_model("/".join(parts[3:]).removesuffix(".toml"))
        cost = tomllib.loads(file.read_text(encoding="utf-8")).get("cost") or {}
        tiers = cost.get("tiers") or []
        base_condition = None
        if tiers:  # the base price holds up to the first tier's size
            first = min(int((t.get("tier") or {}).get("size") or 0) for t in tiers)
            base_condition = context_tier(0, first)
        for key, value in cost.items():
            if key in fields and isinstance(value, int | float):
                found[(provider, model, fields[key], base_condition)] = Decimal(str(value))
        sizes = sorted(int((t.get("tier") or {}).get("size") or 0) for t in tiers)
        for t in tiers:
            size = int((t.get("tier") or {}).get("size") or 0)
            above = [s for s in sizes if s > size]
            condition = context_tier(size, above[0] if above else None)
            for key, value in t.items():
                if key in fields and isinstance(value, int | float):
                    found[(provider, model, fields[key], condition)] = Decimal(str(value))
    return found


def compare(
    official: Sequence[Price], held: dict[Key, Decimal], pct: Decimal, providers: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """What disagrees (beyond ``pct`` percent of the official figure) and what is missing,
    for the providers the registry covers at all (or ``providers``)."""
    covered = set(providers) if providers is not None else {k[0] for k in held}
    out = []
    for p in official:
        if p.provider not in covered or p.component not in COMPONENTS:
            continue
        key = (p.provider, p.model, p.component, p.condition)
        value = held.get(key)
        record = {
            "status": "missing" if value is None else "agrees",
            "provider": p.provider,
            "model": p.model,
            "component": p.component,
            "condition": p.condition,
            "registry_usd_per_mtok": value,
            "official_usd_per_mtok": p.usd,
            "official_given": f"{fmt(p.given[0])} {p.given[1]}",
            "rate": None if p.rate is None else str(p.rate),
            "diff_pct": None,
            "official_source": p.source,
            "official_url": p.url,
            "seen": p.seen,
        }
        if value is not None:
            diff = change_pct(p.usd, value)
            if diff is None:  # free on the official page: any price is all of it
                diff = Decimal(0) if value == 0 else Decimal(100)
            record["diff_pct"] = diff
            if abs(diff) > pct:
                record["status"] = "differs"
        out.append(record)
    return [r for r in out if r["status"] != "agrees"]
