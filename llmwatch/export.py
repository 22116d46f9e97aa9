"""``llmwatch export``: the most authoritative price of each key in the shapes other
tools read (models.dev's TOML, LiteLLM's JSON, OpenRouter's models API, llmwatch's
own JSON lines). Pure: price records in (``views.prices_view``), text out.

USD per token or per 1M tokens, as each format wants. Where the provider publishes its
own USD figure (DeepSeek's English page) that figure is used; a price held only in CNY
is converted at the rate of the day it was seen, and the export says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pipeline.extract.conditions import tier_bounds
from pipeline.extract.units import MILLION, fmt, usd_cny

if TYPE_CHECKING:
    from pipeline.extract.fx import Rate, Rates

FORMATS = ("models.dev", "litellm", "openrouter", "jsonl")

#: each format's provider slug (which its own readers, and llmwatch's, map back)
LITELLM_SLUGS = {
    "deepseek": "deepseek",
    "alibaba": "dashscope",
    "moonshot": "moonshot",
    "zhipu": "zai",
    "minimax": "minimax",
    "bytedance": "volcengine",
    "01ai": "01-ai",
    "baidu": "baidu",
    "tencent": "tencent",
    "stepfun": "stepfun-ai",
    "baichuan": "baichuan",
}
OPENROUTER_SLUGS = {
    **LITELLM_SLUGS,
    "alibaba": "qwen",
    "moonshot": "moonshotai",
    "zhipu": "z-ai",
    "bytedance": "bytedance",
}

#: llmwatch component -> (LiteLLM field, OpenRouter field, models.dev field)
COMPONENTS = {
    "input": ("input_cost_per_token", "prompt", "input"),
    "output": ("output_cost_per_token", "completion", "output"),
    "input_cache_hit": ("cache_read_input_token_cost", "input_cache_read", "cache_read"),
    "input_cache_write": ("cache_creation_input_token_cost", "input_cache_write", "cache_write"),
    "output_thinking": ("output_cost_per_reasoning_token", "internal_reasoning", "reasoning"),
}


@dataclass(frozen=True)
class Price:
    """One key's price in USD per 1M tokens, with where it came from."""

    provider: str
    model: str
    component: str
    condition: str | None
    usd: Decimal
    source: str
    url: str
    seen: datetime
    #: the figure as the page gave it: (amount, currency)
    given: tuple[Decimal, str]
    #: for a converted figure: the CNY per USD of the day it was seen (``fx.Rate``)
    rate: Rate | None

    @property
    def note(self) -> str:
        amount, currency = fmt(self.given[0]), self.given[1]
        if self.rate is None:
            return f"{self.component}{_cond(self.condition)}: {amount} {currency} as published"
        return f"{self.component}{_cond(self.condition)}: {amount} {currency} at {self.rate}"


def _cond(condition: str | None) -> str:
    return f" [{condition}]" if condition else ""


def choose(records: Iterable[dict[str, Any]], rates: Rates | None = None) -> list[Price]:
    """Per key, the most authoritative source's price (the official page first), in the
    provider's own USD where it publishes one, else converted; the newest evidence first."""
    best: dict[tuple[str, str, str, str | None], tuple[tuple[Any, ...], Price]] = {}
    for rec in records:
        if rec.get("currency") not in ("USD", "CNY") or rec.get("amount_per_mtok") is None:
            continue
        seen = rec.get("seen") or rec.get("last_seen") or rec["fetched_at"]
        amount = Decimal(str(rec["amount_per_mtok"]))
        if rec["currency"] == "USD":
            usd, rate = amount, None
        else:
            rate = usd_cny(seen.date(), rates)
            usd = (amount / rate.value).quantize(Decimal("0.000001")).normalize()
        price = Price(
            rec["provider"], rec["model"], rec["component"], rec.get("condition"), usd,
            rec["source"], rec.get("url") or "", seen, (amount, rec["currency"]), rate,
        )  # fmt: skip
        rank = (int(rec.get("authority") or 0), rec["currency"] == "USD", seen)
        key = (price.provider, price.model, price.component, price.condition)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, price)
    return sorted((p for _, p in best.values()), key=lambda p: (p.provider, p.model, p.component, p.condition or ""))


def _models(prices: Sequence[Price]) -> dict[tuple[str, str], list[Price]]:
    grouped: dict[tuple[str, str], list[Price]] = defaultdict(list)
    for p in prices:
        if tier_bounds(p.condition) is not None:
            grouped[(p.provider, p.model)].append(p)
    return grouped


def _per_token(usd_per_mtok: Decimal) -> Decimal:
    return (usd_per_mtok / MILLION).normalize()


def _tiers(items: list[Price]) -> list[tuple[tuple[int, int | None], dict[str, Price]]]:
    """The model's prices by context tier (above, up to), lowest first; a price without a
    condition belongs to the lowest."""
    by: dict[int, dict[str, Price]] = defaultdict(dict)
    highs: dict[int, int | None] = {}
    for p in sorted(items, key=lambda p: p.condition is None):  # a tier's own figure before a plain one
        span = tier_bounds(p.condition)
        assert span is not None
        by[span[0]].setdefault(p.component, p)
        highs[span[0]] = span[1] if span[1] is not None else highs.get(span[0])
    return [((low, highs[low]), by[low]) for low in sorted(by)]


def litellm(prices: Sequence[Price]) -> str:
    """``model_prices_and_context_window.json``'s shape: USD per token."""
    out: dict[str, Any] = {}
    for (provider, model), items in sorted(_models(prices).items()):
        slug = LITELLM_SLUGS.get(provider)
        if slug is None:
            continue
        tiers = _tiers(items)
        (_, base), higher = tiers[0], tiers[1:]
        entry: dict[str, Any] = {"litellm_provider": slug, "mode": "chat"}
        for component, p in sorted(base.items()):
            if component in COMPONENTS:
                entry[COMPONENTS[component][0]] = float(_per_token(p.usd))
        for (low, _high), rates in higher:
            for component, p in sorted(rates.items()):
                if component in ("input", "output"):
                    entry[f"{component}_cost_per_token_above_{low // 1000}k_tokens"] = float(_per_token(p.usd))
        if higher:  # the bounded tiers, as LiteLLM's tiered entries carry them
            entry["tiered_pricing"] = [
                {
                    "range": [low, high],
                    **{COMPONENTS[c][0]: float(_per_token(p.usd)) for c, p in sorted(r.items()) if c in COMPONENTS},
                }
                for (low, high), r in tiers
                if high is not None
            ]
        first = next(iter(base.values()))
        entry["source"] = first.url
        entry["llmwatch"] = {"seen": first.seen.strftime("%Y-%m-%d"), "notes": [p.note for p in items]}
        out[f"{slug}/{model}"] = entry
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def openrouter(prices: Sequence[Price]) -> str:
    """``/api/v1/models``' shape: ``pricing`` as strings, USD per token; the base tier only
    (the API has no context tiers)."""
    data = []
    for (provider, model), items in sorted(_models(prices).items()):
        slug = OPENROUTER_SLUGS.get(provider)
        if slug is None:
            continue
        (_, base) = _tiers(items)[0]
        pricing = {COMPONENTS[c][1]: fmt(_per_token(p.usd)) for c, p in sorted(base.items()) if c in COMPONENTS}
        if "prompt" not in pricing or "completion" not in pricing:
            continue
        data.append({"id": f"{slug}/{model}", "name": model, "pricing": pricing})
    return json.dumps({"data": data}, indent=2, ensure_ascii=False) + "\n"


def models_dev(prices: Sequence[Price]) -> dict[str, str]:
    """One TOML file per provider × model (``providers/<provider>/models/<model>.toml``):
    ``[cost]`` in USD per 1M tokens, ``[[cost.tiers]]`` above each context size, and a
    comment naming the page, the date seen, each figure as given and the rate used."""
    files = {}
    for (provider, model), items in sorted(_models(prices).items()):
        tiers = _tiers(items)
        (_, base), higher = tiers[0], tiers[1:]
        first = next(iter(base.values()))
        lines = [
            f"# llmwatch export: {first.source} ({first.url}), seen {first.seen:%Y-%m-%d}",
            *(f"# {p.note}" for p in items),
            "",
            "[cost]",
            *(f"{COMPONENTS[c][2]} = {fmt(p.usd)}" for c, p in sorted(base.items()) if c in COMPONENTS),
        ]
        for (low, _high), rates in higher:
            lines += ["", "[[cost.tiers]]"]
            lines += [f"{COMPONENTS[c][2]} = {fmt(p.usd)}" for c, p in sorted(rates.items()) if c in COMPONENTS]
            lines += ["[cost.tiers.tier]", 'type = "context"', f"size = {low}"]
        files[f"providers/{provider}/models/{model}.toml"] = "\n".join(lines) + "\n"
    return files
