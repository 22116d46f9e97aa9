"""OpenRouter's public models API: JSON, prices in USD per single token."""

from __future__ import annotations

import json

from crawler.base import PriceSpider
from pipeline.extract.collect import Collector
from pipeline.extract.providers import VENDOR_SLUGS, normalise_model
from pipeline.extract.records import Page
from pipeline.extract.units import MILLION, dec

#: OpenRouter pricing field -> our component
FIELDS = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "input_cache_hit",
    "input_cache_write": "input_cache_write",
    "internal_reasoning": "output_thinking",
}


class OpenrouterSpider(PriceSpider):
    name = "openrouter"
    authority = 0
    description = "OpenRouter models API (USD per token)"
    format = "json"
    start_urls = ["https://openrouter.ai/api/v1/models"]
    empty_reason = "no models of the tracked providers in the response"

    @staticmethod
    def extract(page: Page, out: Collector) -> None:
        try:
            models = json.loads(page.text)["data"]
        except (ValueError, KeyError, TypeError) as exc:
            out.reject(f"not an OpenRouter models response: {exc}", page.text[:200])
            return
        for entry in models:
            model_id = str(entry.get("id", ""))
            vendor, _, name = model_id.partition("/")
            provider = VENDOR_SLUGS.get(vendor)
            if provider is None or not name:
                continue
            for field, component in FIELDS.items():
                value = (entry.get("pricing") or {}).get(field)
                if value in (None, "", "-1"):
                    continue  # absent, or "-1": a router whose price varies per request
                try:
                    amount = dec(value) * MILLION
                except ArithmeticError:
                    out.reject(f"{model_id} {field}: not a number", str(value))
                    continue
                if amount == 0 and component in ("input_cache_hit", "input_cache_write", "output_thinking"):
                    continue  # zero here means "not offered", not "free"
                out.add_amount(provider, normalise_model(name), component, None, amount, "USD", str(value))
