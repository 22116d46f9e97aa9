"""Sanity guards: a 20x jump or a cache-hit price above the input price is held back
(stored with its reason, a price_suspect event, no price_changed, not current, no
alert by default) until the next healthy fetch shows it again."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from crawler import registry
from db.models import Event, PriceObservation
from db.queries import prices
from pipeline.extract.alerts import Rule
from pipeline.extract.changes import Held
from pipeline.extract.records import Page, PriceRow
from pipeline.extract.sanity import suspects
from pipeline.extract.units import fmt
from pipeline.store.ingest import ingest

URL = "https://platform.moonshot.cn/docs/pricing/chat"


def _page(input_price: str, cache: str = "1", note: str = "", day: int = 1) -> Page:
    # HAND-MADE, in the shape of Moonshot's price table
    text = (
        f"# 模型推理价格{note}\n\n| 模型 | 计费单位 | 输入价格（缓存命中） | 输入价格（缓存未命中） | 输出价格 |\n"
        f"| --- | --- | --- | --- | --- |\n| kimi-k2 | 1M tokens | ￥{cache} | ￥{input_price} | ￥16 |\n"
    )
    return Page(URL, text.encode(), datetime(2026, 11, day, tzinfo=UTC))


def _store(factory, page: Page):
    return ingest(factory, "moonshot", page, lambda p: registry.extract("moonshot", p))


def _types(factory) -> list[str]:
    with factory() as s:
        return [e.type for e in s.scalars(select(Event).order_by(Event.id))]


def _current_input(factory) -> list[str]:
    with factory() as s:
        return [fmt(o.amount_per_mtok) for o, _ in s.execute(prices(model="kimi-k2")) if o.component == "input"]


def test_suspects_are_pure_and_name_their_reason() -> None:
    def row(component: str, amount: str) -> PriceRow:
        return PriceRow("moonshot", "kimi-k2", component, None, Decimal(amount), "CNY", Decimal(amount), amount)

    rows = [row("input", "4"), row("input_cache_hit", "5"), row("output", "1600")]
    held = {rows[2].key: Held(rows[2].key, Decimal(16)), rows[0].key: Held(rows[0].key, Decimal(4))}
    found = suspects(rows, held)
    assert found[rows[1].key] == "cache-hit price 5 above the input price 4 CNY"
    assert found[rows[2].key] == "16 -> 1600 CNY is 100x up"
    assert rows[0].key not in found  # unchanged
    assert suspects([row("output", "0.9")], {rows[2].key: Held(rows[2].key, Decimal(16))}) == {}  # 17.8x: a cut


def test_a_20x_slip_is_held_back_until_the_next_fetch_shows_it_again(factory) -> None:
    _store(factory, _page("4"))
    slipped = _store(factory, _page("4000", note=" ", day=2))  # a 1000x slip
    assert _types(factory) == ["price_suspect"]
    assert _current_input(factory) == ["4"]  # the old price stays in force
    with factory() as s:
        held = s.scalar(select(PriceObservation).where(PriceObservation.suspect.is_not(None)))
        assert held.amount_per_mtok == 4000 and held.current is False and "1000x up" in held.suspect
    assert slipped.alerts == 0
    # the page goes back: the slip is gone, nothing changed
    _store(factory, _page("4", day=3))
    assert _types(factory) == ["price_suspect"] and _current_input(factory) == ["4"]
    # a real 25x rise, shown by two fetches in a row (the second an unchanged body): confirmed then
    _store(factory, _page("100", note=" ", day=4))
    assert _types(factory) == ["price_suspect", "price_suspect"]
    _store(factory, _page("100", note=" ", day=5))
    assert _types(factory) == ["price_suspect", "price_suspect", "price_changed"]
    assert _current_input(factory) == ["100"]
    _store(factory, _page("100", note=" ", day=6))  # a rerun of the same page adds nothing
    assert _types(factory) == ["price_suspect", "price_suspect", "price_changed"]


def test_a_changed_page_that_shows_the_same_suspect_value_confirms_it(factory) -> None:
    _store(factory, _page("4"))
    _store(factory, _page("100", note=" ", day=2))
    _store(factory, _page("100", note="  ", day=3))  # another body, the same price
    assert _types(factory) == ["price_suspect", "price_changed"]
    assert _current_input(factory) == ["100"]


def test_a_cache_hit_above_input_is_suspect_even_on_a_first_fetch(factory) -> None:
    result = _store(factory, _page("4", cache="40"))
    assert [e["type"] for e in result.events] == ["price_suspect"]
    with factory() as s:
        components = {o.component for o, _ in s.execute(prices(model="kimi-k2"))}
    assert components == {"input", "output"}


def test_price_suspect_is_alerted_only_when_a_rule_asks() -> None:
    ev = {"type": "price_suspect", "model": "kimi-k2"}
    assert not Rule("all events", ("json://x",)).matches(ev)
    assert Rule("suspects", ("json://x",), events=frozenset({"price_suspect"})).matches(ev)
