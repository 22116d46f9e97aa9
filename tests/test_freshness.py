"""Current means current: a row is current while its page shows it; each row says how old
its evidence is and whether that is stale; ``--at T`` shows only what was seen by T;
``sources`` judges health against now and the schedule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cases import FIXTURES
from tests.clirun import Run

ZH = "https://api-docs.deepseek.com/zh-cn/quick_start/pricing"


def _json(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    cli = Run(tmp_path_factory.mktemp("fresh"))
    pages = [
        ("syaoranwe/2024-05-23_README.md", "syaoranwe", "2024-05-23T10:33:46Z"),
        ("syaoranwe/2024-06-05_README.md", "syaoranwe", "2024-06-05T11:47:38Z"),
        # DeepSeek's Chinese page in December 2025 (deepseek-chat 2 元), then in August 2026 (V4 only)
        ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
        ("deepseek/2026-08-01_zh_clipping_v4.md", "deepseek", "2026-08-01T00:00:00Z"),
    ]
    cli.ingest(pages)
    # Moonshot fetched an hour ago: fresh
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"
    assert cli("ingest", str(page), "--source", "moonshot", "--fetched-at", recent)[0] == 0
    yield cli


def test_a_row_the_page_no_longer_shows_is_not_current(run: Run) -> None:
    now = _json(run("prices", "--source", "deepseek", "--format", "json")[1])
    assert now and {r["model"] for r in now} == {"deepseek-v4-flash", "deepseek-v4-pro"}
    # removal_after = 2: one fetch without it raises no model_removed event yet
    removed = _json(run("events", "--type", "model_removed", "--source", "deepseek", "--format", "json")[1])
    assert removed == []
    # in force in January 2026, as the December page had it, and seen then
    then = _json(
        run("prices", "--source", "deepseek", "--model", "deepseek-chat", "--at", "2026-01-01", "-f", "json")[1]
    )
    assert {(r["component"], r["amount_per_mtok"], r["currency"]) for r in then} == {
        ("input", "2", "CNY"),
        ("input_cache_hit", "0.2", "CNY"),
        ("output", "3", "CNY"),
    }
    assert {r["url"] for r in then} == {ZH} and {r["seen"] for r in then} == {"2025-12-20T14:04:07Z"}


def test_a_fetch_whose_extraction_broke_ends_nothing(tmp_path: Path) -> None:
    cli = Run(tmp_path)
    real = FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"
    assert cli("ingest", str(real), "--source", "moonshot", "--fetched-at", "2025-12-20T14:04:07Z")[0] == 0
    before = _json(cli("prices", "--source", "moonshot", "--format", "json")[1])
    # hand-made: the same page cut after its first price row (a layout change that hid the rest)
    lines = real.read_text(encoding="utf-8").splitlines()
    first_row = next(i for i, line in enumerate(lines) if line.startswith("|") and any(c.isdigit() for c in line))
    broken = tmp_path / "2025-12-21_handmade_moonshot-cut.md"
    broken.write_text("\n".join(lines[: first_row + 1]) + "\n", encoding="utf-8")
    cli("ingest", str(broken), "--source", "moonshot", "--fetched-at", "2025-12-21T14:04:07Z")
    kinds = {e["type"] for e in _json(cli("events", "--source", "moonshot", "--format", "json")[1])}
    assert "extraction_broken" in kinds
    after = _json(cli("prices", "--source", "moonshot", "--format", "json")[1])
    assert len(before) > 2 and {(r["model"], r["component"]) for r in after} >= {
        (r["model"], r["component"]) for r in before
    }


def test_at_shows_only_evidence_seen_by_then(run: Run) -> None:
    rows = _json(run("prices", "--source", "syaoranwe", "--model", "qwen-long", "--at", "2024-06-01", "-f", "json")[1])
    assert rows and all(r["seen"] == r["last_seen"] == r["fetched_at"] == "2024-05-23T10:33:46Z" for r in rows)
    later = _json(run("prices", "--source", "syaoranwe", "--model", "qwen-long", "--format", "json")[1])
    assert {r["last_seen"] for r in later} == {"2024-06-05T11:47:38Z"}
    _, table, _ = run("prices", "--source", "syaoranwe", "--model", "qwen-long", "--at", "2024-06-01")
    assert "seen (by 2024-06-01)" in table and "8 d stale" in table  # 2024-05-23 10:33 to 06-01 00:00: 8 d 13 h


def test_every_row_says_how_old_it_is_and_fresh_leaves_out_the_stale(run: Run) -> None:
    rows = _json(run("prices", "--format", "json")[1])
    stale = {r["source"] for r in rows if r["stale"]}
    fresh = {r["source"] for r in rows if not r["stale"]}
    assert stale == {"syaoranwe", "deepseek"} and fresh == {"moonshot"}
    only = _json(run("prices", "--fresh", "--format", "json")[1])
    assert only and {r["source"] for r in only} == {"moonshot"}
    _, table, _ = run("prices", "--model", "qwen-long")
    assert "2 y stale" in table
    _, table, _ = run("prices", "--source", "moonshot")
    assert "1 h" in table and "stale" not in table


def test_sources_health_is_judged_against_now(run: Run) -> None:
    health = {s["source"]: s["health"] for s in _json(run("sources", "--format", "json")[1])}
    assert health["moonshot"] == "ok"
    assert health["syaoranwe"].startswith("stale: last success 2 y ago (limit 18 h)")
    assert health["deepseek"].startswith("stale: last success ") and health["aliyun"] == "never fetched"


def test_claims_at_a_date_say_which_date_they_are_for(run: Run) -> None:
    now = _json(run("claims", "--format", "json")[1])
    then = _json(run("claims", "--at", "2025-01-01", "--format", "json")[1])
    assert {c["as_of"] for c in now} == {None} and {c["as_of"] for c in then} == {"2025-01-01T23:59:59Z"}
    _, table, _ = run("claims", "--at", "2025-01-01")
    assert "at 2025-01-01" in table
