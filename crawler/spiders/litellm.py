"""LiteLLM's ``model_prices_and_context_window.json``: USD per single token.

Key names changed over time (``input_cost_per_token_cache_hit`` then
``cache_read_input_token_cost``); both are read, the newer one wins.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.base import PriceSpider
from pipeline.extract.collect import Collector
from pipeline.extract.conditions import context_tier
from pipeline.extract.providers import VENDOR_SLUGS, normalise_model
from pipeline.extract.records import Page
from pipeline.extract.units import MILLION, dec

#: (field, component), newer spellings first
FIELDS = (
    ("input_cost_per_token", "input"),
    ("cache_read_input_token_cost", "input_cache_hit"),
    ("input_cost_per_token_cache_hit", "input_cache_hit"),
    ("cache_creation_input_token_cost", "input_cache_write"),
    ("output_cost_per_token", "output"),
    ("output_cost_per_reasoning_token", "output_thinking"),
)
CHAT_MODES = {"chat", "completion", "responses", None}


class LitellmSpider(PriceSpider):
    name = "litellm"
    authority = 0
    description = "LiteLLM model_prices_and_context_window.json (USD per token)"
    format = "json"
    start_urls = ["https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"]
    empty_reason = "no chat models of the tracked providers in the file"

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        try:
            data = json.loads(page.text)
        except ValueError as exc:
            out.reject(f"not JSON: {exc}", page.text[:200])
            return
        if not isinstance(data, dict):
            out.reject("not a LiteLLM price map (expected a JSON object)", page.text[:200])
            return
        # "provider/model" keys are LiteLLM's canonical routes; bare legacy keys
        # (e.g. "deepseek-chat") are read after them and lose any conflict
        for key, entry in sorted(data.items(), key=lambda kv: "/" not in kv[0]):
            if not isinstance(entry, dict) or entry.get("mode") not in CHAT_MODES:
                continue
            provider = VENDOR_SLUGS.get(str(entry.get("litellm_provider", "")))
            if provider is None:
                continue
            model = normalise_model(key.split("/", 1)[-1])
            _prices(out, provider, model, None, entry, key)
            for tier in entry.get("tiered_pricing") or []:
                low, high = (tier.get("range") or [0, 0])[:2]
                condition = context_tier(int(low), int(high))  # exact tokens, not text to read
                _prices(out, provider, model, condition, tier, key)


def _prices(out: Collector, provider: str, model: str, condition: str | None, entry: dict[str, Any], key: str) -> None:
    seen: set[str] = set()
    for field, component in FIELDS:
        value = entry.get(field)
        if value is None or component in seen:
            continue
        seen.add(component)
        try:
            amount = dec(value) * MILLION
        except ArithmeticError:
            out.reject(f"{key} {field}: not a number", str(value))
            continue
        if amount == 0 and component not in {"input", "output"}:
            continue  # a zero cache price here means "not charged separately"
        out.add_amount(provider, model, component, condition, amount, "USD", f"{field}={value}")
