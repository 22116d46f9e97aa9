"""The claims ledger against hand-checked real data: each kind of claim, status
transitions over time, and an alert when a claim flips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Event
from llmwatch import delivery
from llmwatch.config import load as load_config
from pipeline.extract.records import Page
from pipeline.store import claims as ledger
from pipeline.store.news import NewsStore
from tests.cases import FIXTURES
from tests.conftest import ingest_fixture

BUNDLED = sorted((Path(__file__).parent.parent / "llmwatch" / "claims").glob("*.toml"))
CLAIMS = {c.id: c for c in ledger.load(BUNDLED)}


def test_the_article_has_nine_claims_of_every_kind() -> None:
    assert len(CLAIMS) == 9
    assert {c.kind for c in CLAIMS.values()} == {"price", "free", "price_cut", "funding", "valuation", "other"}
    assert all(c.article_date.isoformat() == "2024-07-06" for c in CLAIMS.values())


def history(factory) -> None:
    """Real snapshots of 2024 through 2026, and the real funding coverage."""
    for rel, when in [
        ("openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00"),
        ("syaoranwe/2024-05-23_README.md", "2024-05-23T10:33:46+00:00"),
        ("llmprice_cn/2024-05-25_README.md", "2024-05-25T01:15:21+00:00"),
        ("syaoranwe/2024-06-05_README.md", "2024-06-05T11:47:38+00:00"),
        ("coze/2025_billing-rules_doubao-deepseek.md", "2025-03-01T00:00:00+00:00"),
        ("deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07+00:00"),
        ("llmprice_cn/2026-01-29_index.html", "2026-01-28T22:40:52+00:00"),
    ]:
        ingest_fixture(factory, rel, when)
    from crawler import registry

    store = NewsStore(factory)
    for path in sorted((FIXTURES / "news").glob("*.xml")):
        page = Page("https://fixtures.invalid/feed", path.read_bytes(), datetime(2024, 8, 1, tzinfo=UTC))
        for item in sorted(registry.news_items(page), key=lambda i: i.published_at):
            store.ingest("news", item)


@pytest.mark.parametrize(
    ("claim", "then", "now", "deciding"),
    [
        # DeepSeek: 1 CNY in the community table of 2024-06-05; 2 CNY on its own page of 2025-12-20, 1.96 on llmprice.cn
        ("deepseek-1-yuan", "supported", "contradicted", ("llmprice_cn", Decimal("1.96"))),
        ("doubao-pro-32k-0.8-li", "supported", "supported", ("coze", Decimal("0.8"))),
        ("qwen-long-cut-97", "supported", "supported", ("syaoranwe", Decimal("0.5"))),  # 20 -> 0.5 is -97.5%
        ("ernie-speed-lite-free", "supported", "supported", ("llmprice_cn", Decimal(0))),
        ("alibaba-moonshot-800m", "supported", "supported", ("news", Decimal("1000000000"))),
        ("zhipu-2.5bn-2023", "supported", "supported", ("news", Decimal("342000000"))),
        ("01ai-1bn-valuation", "supported", "supported", ("news", Decimal("1000000000"))),
        ("baichuan-1.8bn-valuation", "no data", "no data", None),  # no source covers April 2023
        ("openai-china-api", "no data", "no data", None),
    ],
)
def test_each_claim_against_real_data(factory, claim: str, then: str, now: str, deciding) -> None:
    history(factory)
    with factory() as s:
        rec = ledger.record(s, CLAIMS[claim])
    assert (rec["status_at_article"], rec["status_now"]) == (then, now)
    if deciding is None:
        assert rec["evidence"] == []
    else:
        newest = max(rec["evidence"], key=lambda e: e["fetched_at"])
        assert (newest["source"], newest["value"]) == deciding


def test_disagreeing_sources_are_all_shown(factory) -> None:
    history(factory)
    with factory() as s:
        rec = ledger.record(s, CLAIMS["deepseek-1-yuan"])
    seen = {(e["source"], e["value"], e["holds"]) for e in rec["evidence"]}
    assert ("deepseek", Decimal(2), False) in seen and ("syaoranwe", Decimal(1), True) in seen
    # 0.14 USD x 7.2205 (the ECB's rate of 2024-05-15): within 5% of 1 yuan
    assert ("openrouter", Decimal("1.01087"), True) in seen
    usd = next(e for e in rec["evidence"] if e["source"] == "openrouter")
    assert (usd["given"], usd["fx"]) == ("0.14 USD", "7.2205 CNY/USD (ECB reference rate of 2024-05-15)")
    own = next(e for e in rec["evidence"] if e["source"] == "deepseek")
    assert (own["given"], own["fx"]) == (None, None)  # the page's own CNY: nothing converted


def test_status_at_a_date_between(factory) -> None:
    history(factory)
    with factory() as s:
        mid = ledger.check(s, CLAIMS["deepseek-1-yuan"], datetime(2025, 1, 1, tzinfo=UTC))
    assert mid.status == "supported"


def test_a_flip_is_a_claim_changed_event_and_an_alert(factory, tmp_path, monkeypatch, db_url) -> None:
    out = tmp_path / "alerts.jsonl"
    cfg_file = tmp_path / "llmwatch.toml"
    cfg_file.write_text(f'[alerts]\nchannels = ["file://{out}"]\nretry_backoff_seconds = 0\n')
    monkeypatch.setenv("LLMWATCH_DATABASE_URL", db_url)
    cfg = load_config(cfg_file)
    ingest_fixture(factory, "syaoranwe/2024-06-05_README.md", "2024-06-05T11:47:38+00:00")
    claim = [CLAIMS["deepseek-1-yuan"]]
    with factory.begin() as s:  # first check: the baseline, no event
        assert ledger.recheck(s, claim, outbox=cfg.outbox) == []
    ingest_fixture(factory, "deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    with factory.begin() as s:
        (changed,) = ledger.recheck(s, claim, outbox=cfg.outbox)
        assert changed.reason == (
            "Claim deepseek-1-yuan no longer holds: deepseek-chat input now 2 CNY per 1M tokens (deepseek)"
        )
    with factory.begin() as s:  # nothing changed since
        assert ledger.recheck(s, claim, outbox=cfg.outbox) == []
    assert delivery.deliver(cfg, factory).sent == 1
    (message,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert message["title"] == "llmwatch: claim changed" and "no longer holds" in message["body"]
    with factory() as s:
        (ev,) = s.scalars(select(Event).where(Event.type == "claim_changed"))
        assert ev.detail == {
            "claim": "deepseek-1-yuan",
            "old": "supported",
            "new": "contradicted",
            "text": "DeepSeek priced its model at 1 yuan per million tokens",
        }


def test_user_claims_load_and_bad_files_say_why(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[article]\ndate = 2025-02-09\n[[claim]]\nid = "v3-2-yuan"\nkind = "price"\n'
        'provider = "deepseek"\nmodels = ["deepseek-chat"]\nvalue = "2"\ncurrency = "CNY"\n'
    )
    (claim,) = ledger.load([mine])
    assert (claim.id, claim.subject, claim.article_date.isoformat()) == ("v3-2-yuan", "deepseek", "2025-02-09")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[claim]]\nid = "x"\nkind = "rumour"\n')
    with pytest.raises(ledger.ClaimError, match="kind must be one of"):
        ledger.load([bad])
