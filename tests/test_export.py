"""Feeding other tools (issue 18, parts 1 and 2): ``export`` in models.dev's, LiteLLM's and
OpenRouter's shapes, read back by llmwatch's own parsers; ``audit`` of the LiteLLM and
OpenRouter fixtures against the official fixtures, with the real disagreements they hold."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crawler import registry
from pipeline.extract.records import Page
from tests.cases import FIXTURES
from tests.clirun import Run

#: official pages: DeepSeek in USD (en) and CNY (zh), Moonshot in CNY only, Zhipu's tiers
OFFICIAL = [
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("moonshot/2025-12-20_zh_crawler-markdown.md", "moonshot", "2025-12-20T10:00:00Z"),
    ("zhipu/2026-04-21_bigmodel-pricing_rendered.html", "zhipu", "2026-04-21T00:00:00Z"),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(tmp_path_factory.mktemp("export")).ingest(OFFICIAL)


def _read_back(name: str, text: str) -> dict[tuple[str, str, str, str | None], Decimal]:
    page = Page(registry.get(name).start_urls[0], text.encode(), datetime(2026, 12, 3, tzinfo=UTC))
    rows = registry.extract(name, page).rows
    return {(r.provider, r.model, r.component, r.condition): r.amount_per_mtok for r in rows}


def _exported(run: Run) -> dict[tuple[str, str, str, str | None], Decimal]:
    """What llmwatch holds, as ``export`` chose it: USD per 1M tokens by key."""
    from llmwatch import export

    code, out, _ = run("prices", "--all-sources", "--format", "json")
    assert code == 0
    records = []
    for line in out.splitlines():
        rec = json.loads(line)
        rec["amount_per_mtok"] = Decimal(rec["amount_per_mtok"])
        rec["seen"] = datetime.fromisoformat(rec["seen"].replace("Z", "+00:00"))
        records.append(rec)
    return {(p.provider, p.model, p.component, p.condition): p.usd for p in export.choose(records)}


def test_litellm_export_reads_back_as_the_same_prices(run: Run) -> None:
    code, out, _ = run("export", "litellm")
    assert code == 0
    data = json.loads(out)
    chat = data["deepseek/deepseek-chat"]
    # the provider's own USD figure, not 2 CNY converted
    assert (chat["input_cost_per_token"], chat["output_cost_per_token"]) == (2.8e-07, 4.2e-07)
    assert chat["cache_read_input_token_cost"] == 2.8e-08 and chat["litellm_provider"] == "deepseek"
    assert chat["source"] == "https://api-docs.deepseek.com/quick_start/pricing"
    assert "input: 0.28 USD as published" in chat["llmwatch"]["notes"]
    kimi = data["moonshot/kimi-k2-0905-preview"]  # 4 CNY, held in CNY only: converted, and said so
    # seen Saturday 2025-12-20: 4 CNY / 7.0411 (the ECB's rate of Friday 2025-12-19, 8.2465 / 1.1712)
    assert kimi["input_cost_per_token"] == 5.68093e-07
    assert "input: 4 CNY at 7.0411 CNY/USD (ECB reference rate of 2025-12-19)" in kimi["llmwatch"]["notes"]
    back, exported = _read_back("litellm", out), _exported(run)
    tiered = [k for k in back if k[3]]
    assert tiered, "Zhipu's context tiers come back as tiers"
    for key, usd in back.items():
        if key[3] is None and key not in exported:  # LiteLLM's top level: the base tier's figure again
            continue
        assert exported[key] == usd, key


def test_openrouter_export_reads_back_as_the_same_base_prices(run: Run) -> None:
    code, out, _ = run("export", "openrouter")
    assert code == 0
    models = {m["id"]: m for m in json.loads(out)["data"]}
    assert models["deepseek/deepseek-chat"]["pricing"] == {
        "prompt": "0.00000028",
        "completion": "0.00000042",
        "input_cache_read": "0.000000028",
    }
    from pipeline.extract.conditions import tier_bounds as tier

    # the API has no context tiers: each model's lowest tier (or its only price) is its price
    held = sorted(
        ((k, v) for k, v in _exported(run).items() if tier(k[3]) is not None), key=lambda kv: -tier(kv[0][3])[0]
    )
    base = {k[:3]: v for k, v in held}
    back = _read_back("openrouter", out)
    assert len(back) > 20 and all(base[key[:3]] == usd for key, usd in back.items())


def test_models_dev_export_is_one_file_per_model_with_its_evidence(run: Run, tmp_path: Path) -> None:
    code, _, err = run("export", "models.dev", "--out", str(tmp_path / "md"))
    assert code == 0 and "wrote" in err
    text = (tmp_path / "md/providers/moonshot/models/kimi-k2-0905-preview.toml").read_text()
    assert text.startswith(
        "# llmwatch export: moonshot (https://platform.moonshot.cn/docs/pricing/chat), seen 2025-12-20"
    )
    assert "# input: 4 CNY at 7.0411 CNY/USD (ECB reference rate of 2025-12-19)" in text
    # 4, 1 and 16 CNY / 7.0411
    assert tomllib.loads(text)["cost"] == {"input": 0.568093, "cache_read": 0.142023, "output": 2.272372}
    tiered = [
        tomllib.loads(f.read_text())
        for f in (tmp_path / "md/providers/zhipu/models").glob("*.toml")
        if "[[cost.tiers]]" in f.read_text()
    ]
    assert tiered and all(t["cost"]["tiers"][0]["tier"]["type"] == "context" for t in tiered)
    # and audited against itself, through the models.dev reader: nothing differs
    code, out, _ = run("audit", str(tmp_path / "md"), "--format", "models.dev", "-o", "json")
    assert [json.loads(line) for line in out.splitlines() if json.loads(line)["status"] == "differs"] == []


def test_audit_lists_the_real_disagreements_of_the_registries(run: Run) -> None:
    code, out, _ = run(
        "audit", str(FIXTURES / "litellm/2026-01-13_model-prices.json"), "--format", "litellm", "-o", "json"
    )
    assert code == 1
    found = {(r["model"], r["component"]): r for r in map(json.loads, out.splitlines()) if r["status"] == "differs"}
    # LiteLLM of 2026-01-13 still had DeepSeek's pre-V3.2 prices: 1.1 USD output where the page says 0.42
    out_chat = found[("deepseek-chat", "output")]
    assert (out_chat["registry_usd_per_mtok"], out_chat["official_usd_per_mtok"], out_chat["diff_pct"]) == (
        "1.1",
        "0.42",
        "161.9",
    )
    assert out_chat["official_url"] == "https://api-docs.deepseek.com/quick_start/pricing"
    assert found[("deepseek-reasoner", "output")]["registry_usd_per_mtok"] == "2.19"
    # Moonshot's 8k model: 0.2 USD in LiteLLM, 2 CNY (0.284046 USD at 7.0411) on the page
    eight = found[("moonshot-v1-8k", "input")]
    assert (eight["official_given"], eight["rate"], eight["diff_pct"]) == (
        "2 CNY",
        "7.0411 CNY/USD (ECB reference rate of 2025-12-19)",
        "-29.59",
    )
    assert ("deepseek-chat", "input") not in found  # 0.28 both: agrees

    code, out, _ = run(
        "audit", str(FIXTURES / "openrouter/2024-08-01_models.json"), "--format", "openrouter", "-o", "json"
    )
    differs = sorted(
        (r["model"], r["component"], r["registry_usd_per_mtok"], r["official_usd_per_mtok"])
        for r in map(json.loads, out.splitlines())
        if r["status"] == "differs"
    )
    # OpenRouter in August 2024 against DeepSeek's page of December 2025
    assert differs == [("deepseek-chat", "input", "0.14", "0.28"), ("deepseek-chat", "output", "0.28", "0.42")]
    assert code == 1


def test_unknown_formats_are_usage_errors(run: Run) -> None:
    assert run("export", "yaml")[0] == 2 and "known: models.dev, litellm, openrouter, jsonl" in run("export", "yaml")[2]
    code, _, err = run("audit", "nosuch.json", "--format", "litellm")
    assert code == 2 and "no such file" in err
