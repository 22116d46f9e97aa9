"""Change detection on real snapshot pairs, on SQLite and PostgreSQL: the exact
events, and nothing duplicated by a rerun."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crawler import registry
from db.models import Event, PriceObservation, RejectRow, Snapshot
from pipeline.extract.records import Page
from pipeline.store.ingest import OutOfOrder, ingest
from tests.cases import FIXTURES
from tests.conftest import ingest_fixture

SYAO_1, SYAO_2 = "syaoranwe/2024-05-23_README.md", "syaoranwe/2024-06-05_README.md"
T1, T2, T3 = "2024-05-23T10:33:46+00:00", "2024-06-05T11:47:38+00:00", "2024-06-12T00:00:00+00:00"


def events(factory, type_: str | None = None) -> list[Event]:
    with factory() as s:
        stmt = select(Event).order_by(Event.id)
        if type_:
            stmt = stmt.where(Event.type == type_)
        return list(s.scalars(stmt))


def counts(factory) -> tuple[int, int, int, int]:
    with factory() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) for t in (Snapshot, PriceObservation, Event, RejectRow)
        )


def test_first_snapshot_is_a_baseline_without_events(factory) -> None:
    result = ingest_fixture(factory, SYAO_1, T1)
    assert (result.status, result.rows, result.events) == ("stored", 36, [])


def test_community_table_versions_give_the_exact_events(factory) -> None:
    ingest_fixture(factory, SYAO_1, T1)
    result = ingest_fixture(factory, SYAO_2, T2)
    assert result.rows == 82
    added = events(factory, "model_added")
    assert len(added) == 50 and {e.type for e in events(factory)} == {"model_added"}
    models = {e.model for e in added}
    assert {
        "doubao-pro-32k",
        "ernie-speed",
        "ernie-lite",
        "hunyuan-lite",
        "glm-4-0520",
        "glm-4-flash",
        "baichuan4",
        "moonshot-v1-8k",
    } <= models
    doubao = next(e for e in added if e.model == "doubao-pro-32k" and e.component == "input")
    assert (doubao.provider, doubao.new, doubao.currency) == ("bytedance", Decimal("0.8"), "CNY")
    assert doubao.occurred_at == datetime(2024, 6, 5, 11, 47, 38, tzinfo=UTC)
    # GLM-4 and GLM-3-Turbo left the table: missing once is not yet removed
    assert events(factory, "model_removed") == []


def test_a_model_is_removed_after_two_healthy_fetches_without_it(factory) -> None:
    ingest_fixture(factory, SYAO_1, T1)
    ingest_fixture(factory, SYAO_2, T2)
    again = ingest_fixture(factory, SYAO_2, T3)  # same body a week later: unchanged, still healthy
    assert again.status == "unchanged"
    removed = events(factory, "model_removed")
    assert sorted((e.model, e.component, e.old) for e in removed) == [
        ("glm-3-turbo", "input", Decimal(1)),
        ("glm-3-turbo", "output", Decimal(1)),
        ("glm-4", "input", Decimal(100)),
        ("glm-4", "output", Decimal(100)),
    ]
    assert all(e.occurred_at == datetime(2024, 6, 12, tzinfo=UTC) for e in removed)


def test_openrouter_snapshots_give_the_exact_price_changes(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    changed = [(e.model, e.component, e.old, e.new, e.change_pct) for e in events(factory, "price_changed")]
    assert sorted(changed) == [
        ("qwen-72b-chat", "input", Decimal("0.9"), Decimal("0.81"), Decimal("-10")),
        ("qwen-72b-chat", "output", Decimal("0.9"), Decimal("0.81"), Decimal("-10")),
        ("yi-6b", "input", Decimal("0.126"), Decimal("0.18"), Decimal("42.86")),
        ("yi-6b", "output", Decimal("0.126"), Decimal("0.18"), Decimal("42.86")),
    ]
    added = sorted((e.model, e.component) for e in events(factory, "model_added"))
    assert added == sorted(
        (m, c)
        for m in ("qwen-2-72b-instruct", "qwen-2-7b-instruct", "qwen-2-7b-instruct:free")
        for c in ("input", "output")
    )
    assert events(factory, "model_removed") == []


def test_ingesting_the_same_file_twice_changes_nothing(factory) -> None:
    ingest_fixture(factory, SYAO_1, T1)
    ingest_fixture(factory, SYAO_2, T2)
    before = counts(factory)
    assert ingest_fixture(factory, SYAO_2, T2).status == "unchanged"
    assert ingest_fixture(factory, SYAO_1, T1).status == "unchanged"
    assert counts(factory) == before


def test_a_rerun_after_a_half_finished_crawl_duplicates_nothing(factory) -> None:
    # the first "run" stored two pages, then died; the rerun fetches all three
    ingest_fixture(factory, "deepseek/2025-12-20_en_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    ingest_fixture(factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    statuses = [
        ingest_fixture(factory, "deepseek/2025-12-20_en_crawler-markdown.md", "2025-12-20T15:00:00+00:00").status,
        ingest_fixture(factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-20T15:00:00+00:00").status,
        ingest_fixture(factory, "minimax/2025-12-20_zh_crawler-markdown.md", "2025-12-20T15:00:00+00:00").status,
    ]
    assert statuses == ["unchanged", "unchanged", "stored"]
    assert counts(factory)[:3] == (3, 6 + 36 + 8, 0)


def test_a_page_that_stops_yielding_rows_is_extraction_broken_not_removed(factory) -> None:
    zh = "https://api-docs.deepseek.com/zh-cn/quick_start/pricing"
    ingest_fixture(factory, "deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    # the same URL now serves a page whose tables need JavaScript (Volcengine's, as saved)
    result = ingest_fixture(
        factory,
        "volcengine/2025-12-18_ark-model-price_js-rendered.md",
        "2025-12-21T00:00:00+00:00",
        source="deepseek",
        url=zh,
    )
    assert result.status == "empty"
    broken = events(factory, "extraction_broken")
    assert len(broken) == 1 and "yielded no rows (it yielded 6 before)" in (broken[0].reason or "")
    assert "JavaScript" in (broken[0].reason or "")
    assert events(factory, "model_removed") == []
    with factory() as s:
        assert s.scalar(select(func.count()).where(PriceObservation.current.is_(True))) == 6


def test_a_failed_fetch_is_recorded_and_breaks_extraction(factory) -> None:
    ingest_fixture(factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    page = Page("https://platform.moonshot.cn/docs/pricing/chat", b"", datetime(2025, 12, 21, tzinfo=UTC), status=503)
    result = ingest(factory, "moonshot", page, lambda p: pytest.fail("a failed fetch is not parsed"), error="HTTP 503")
    assert result.status == "error"
    (broken,) = events(factory, "extraction_broken")
    assert broken.reason == "fetch failed: HTTP 503"
    with factory() as s:
        assert [r.reason for r in s.scalars(select(RejectRow))] == ["fetch failed: HTTP 503"]


def test_older_snapshots_must_come_first(factory) -> None:
    ingest_fixture(factory, SYAO_2, T2)
    with pytest.raises(OutOfOrder, match="ingest older snapshots first"):
        ingest_fixture(factory, SYAO_1, T1)


def test_rejects_are_kept_with_their_reason(factory) -> None:
    ingest_fixture(factory, "litellm/2026-01-13_model-prices.json", "2026-01-13T22:08:35+00:00")
    with factory() as s:
        reasons = [r.reason for r in s.scalars(select(RejectRow))]
    assert len(reasons) == 6 and all(r.startswith("conflicting prices for deepseek/") for r in reasons)


def test_a_vanished_column_is_a_broken_extraction_not_removals(factory, tmp_path) -> None:
    ingest_fixture(factory, "deepseek/2025-12-20_en_crawler-markdown.md", "2025-12-20T14:04:07+00:00")
    # hand-made variant of the real page: the CACHE HIT row is gone, as if the parser lost it
    real = (FIXTURES / "deepseek/2025-12-20_en_crawler-markdown.md").read_text()
    variant = "\n".join(line for line in real.splitlines() if "CACHE HIT" not in line)
    url = "https://api-docs.deepseek.com/quick_start/pricing"
    for day in (21, 22):
        page = Page(url, variant.encode(), datetime(2025, 12, day, tzinfo=UTC))
        ingest(factory, "deepseek", page, lambda p: registry.extract("deepseek", p))
    (broken,) = events(factory, "extraction_broken")
    assert broken.reason == "the input_cache_hit column vanished"
    assert events(factory, "model_removed") == []


def test_a_304_for_a_page_never_stored_is_an_error_with_its_reason(factory) -> None:
    from datetime import UTC, datetime

    from crawler import registry
    from pipeline.extract.records import Page
    from pipeline.store.ingest import ingest

    page = Page("https://openrouter.ai/api/v1/models", b"", datetime(2026, 1, 1, tzinfo=UTC), status=304)
    result = ingest(factory, "openrouter", page, lambda p: registry.extract("openrouter", p))
    assert result.status == "error" and "no stored copy of the page" in result.message
