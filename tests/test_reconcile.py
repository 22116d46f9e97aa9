"""Cross-source reconciliation on real pages: DeepSeek's own page, the
llmprice.cn community site and OpenRouter price deepseek-chat; the official
page is authoritative, the others are reference."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.catalog import official_sources
from db.models import Event
from llmwatch.views import events_view, prices_view
from pipeline.store.ingest import Policy, reconcile
from tests.conftest import ingest_fixture

# the seed's pages were fetched six weeks apart: compared under a window that spans them (the
# default 14 days is tested below)
WIDE = timedelta(days=60)
POLICY = Policy(official=official_sources(), discrepancy_window=WIDE)


def _seed(factory: sessionmaker[Session], policy: Policy = POLICY) -> None:
    ingest_fixture(factory, "deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T00:00:00+00:00", policy=policy)
    ingest_fixture(factory, "llmprice_cn/2026-01-29_index.html", "2026-01-29T00:00:00+00:00", policy=policy)


def test_values_within_the_tolerance_are_not_a_discrepancy(factory: sessionmaker[Session]) -> None:
    _seed(factory)  # 2 CNY official, 1.96 on llmprice.cn: 2% apart, under the default 10%
    with factory() as s:
        assert s.scalars(select(Event).where(Event.type == "price_discrepancy")).all() == []


def test_a_tighter_tolerance_reports_every_source_value(factory: sessionmaker[Session]) -> None:
    _seed(factory, Policy(discrepancy_pct=Decimal(1), official=official_sources(), discrepancy_window=WIDE))
    with factory() as s:
        found = [e for e in events_view(s, type_="price_discrepancy") if e["model"] == "deepseek-chat"]
    by_component = {e["component"]: e for e in found}
    assert set(by_component) == {"input", "output"}
    ev = by_component["input"]
    assert (ev["low"], ev["high"], ev["spread_pct"], ev["currency"]) == (
        Decimal("1.96"),
        Decimal(2),
        Decimal("2.04"),
        "CNY",
    )
    assert [(v["source"], v["value"], v["official"], v["seen"]) for v in ev["values"]] == [
        ("deepseek", "2", True, "2025-12-20T00:00:00Z"),
        ("llmprice_cn", "1.96", False, "2026-01-29T00:00:00Z"),
    ]
    assert ev["official"]["source"] == "deepseek" and ev["source"] == "llmprice_cn"
    assert "sources disagree by 2.04%" in ev["summary"]


def test_a_usd_aggregator_is_compared_after_conversion_and_reported_once(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    # OpenRouter's 2024-08 list (0.14 USD input, converted at the dated rate) read in 2026
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2026-02-01T00:00:00+00:00", policy=POLICY)
    with factory() as s:
        found = {e["component"]: e for e in events_view(s, type_="price_discrepancy") if e["model"] == "deepseek-chat"}
        ev = found["input"]
        usd = next(v for v in ev["values"] if v["source"] == "openrouter")
        # fetched on Sunday 2026-02-01: the ECB's rate of Friday 2026-01-30, 8.2834 / 1.1919 = 6.9497
        assert (usd["value"], usd["currency"], usd["cny_per_mtok"]) == ("0.14", "USD", "0.972958")
        assert ev["low"] == Decimal("0.972958") and ev["high"] == Decimal(2)
        # the same disagreement found again is not news
        rows = [r for r in _rows(s) if r.model == "deepseek-chat"]
        assert reconcile.find(s, rows, "openrouter", Decimal(10), official_sources()) == []


def test_the_official_page_is_marked_and_a_reseller_is_not_official(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    ingest_fixture(factory, "volcengine/2025-12-18_built_ark-model-price_rendered.html", "2026-01-30T00:00:00+00:00")
    with factory() as s:
        rows = prices_view(s, model="deepseek-chat")
        assert {(r["source"], r["official"]) for r in rows} == {("deepseek", True), ("llmprice_cn", False)}
        ark = {(r["model"], r["official"]) for r in prices_view(s, source="volcengine") if r["component"] == "input"}
    assert ("doubao-pro-32k", True) in ark and ("deepseek-r1", False) in ark and ("kimi-k2", False) in ark


def _rows(s: Session) -> list:
    from db.models import PriceObservation
    from pipeline.extract.records import PriceRow

    return [
        PriceRow(
            o.provider, o.model, o.component, o.condition or None, o.amount_per_mtok, o.currency, o.cny_per_mtok, o.raw
        )
        for o in s.scalars(select(PriceObservation).where(PriceObservation.current.is_(True)))
    ]


def test_best_keeps_one_row_per_price_the_official_one_first(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2026-02-01T00:00:00+00:00")
    with factory() as s:
        every = prices_view(s, model="deepseek-chat")
        best = prices_view(s, model="deepseek-chat", best=True)
    inputs = [(r["source"], r["role"]) for r in every if r["component"] == "input"]
    assert inputs == [("deepseek", "official"), ("llmprice_cn", "reference"), ("openrouter", "reference")]
    assert [(r["component"], r["source"], r["amount_per_mtok"]) for r in best] == [
        ("input", "deepseek", Decimal(2)),
        ("input_cache_hit", "deepseek", Decimal("0.2")),
        ("output", "deepseek", Decimal(3)),
    ]


def test_values_seen_further_apart_than_the_window_are_not_compared(factory: sessionmaker[Session]) -> None:
    # DeepSeek's page of 2025-12-20 and llmprice.cn's of 2026-01-29: 40 days apart, 2.04% apart
    _seed(factory, Policy(discrepancy_pct=Decimal(1), official=official_sources()))
    with factory() as s:
        assert events_view(s, type_="price_discrepancy") == []


def test_a_providers_two_pages_count_once_its_own_currency_first(factory: sessionmaker[Session]) -> None:
    policy = Policy(discrepancy_pct=Decimal("0.1"), official=official_sources())
    for page in ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek/2025-12-20_zh_crawler-markdown.md"):
        ingest_fixture(factory, page, "2025-12-20T00:00:00+00:00", policy=policy)
    with factory() as s:  # the USD page (0.28 -> 2.0104) and the CNY page (2) never disagree between them
        assert events_view(s, type_="price_discrepancy") == []
    # llmprice.cn's table, here fetched five days later (a hand-set time: the real copy is of 2026-01-29)
    ingest_fixture(factory, "llmprice_cn/2026-01-29_index.html", "2025-12-25T00:00:00+00:00", policy=policy)
    with factory() as s:
        found = [e for e in events_view(s, type_="price_discrepancy") if e["model"] == "deepseek-chat"]
    assert sorted(e["component"] for e in found) == ["input", "output"]
    inp = next(e for e in found if e["component"] == "input")
    assert [(v["source"], v["value"], v["currency"]) for v in inp["values"]] == [
        ("deepseek", "2", "CNY"),
        ("llmprice_cn", "1.96", "CNY"),
    ]


def test_a_discrepancy_is_alerted_only_when_a_rule_asks_for_it() -> None:
    from pipeline.extract.alerts import Rule, plan, rules_from_config

    ev = {"type": "price_discrepancy", "provider": "deepseek", "model": "deepseek-chat"}
    everything = rules_from_config({"channels": ["file:///tmp/all.jsonl"]})
    assert plan(everything, ev) == []
    asked = rules_from_config(
        {"channels": [], "rules": [{"name": "tables", "events": ["price_discrepancy"], "channels": ["stdout://"]}]}
    )
    assert [(r.name, url) for r, url in plan(asked, ev)] == [("tables", "stdout://")]
    assert Rule("all", ("stdout://",)).matches({"type": "price_changed", "new": 1, "old": 2})
