"""CSV that programs can read: one fixed header per command (the JSON record's keys),
with rows or without, ISO 8601 times, plain numbers, true/false, JSON for lists."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmwatch import records as shapes
from tests.cases import FIXTURES
from tests.clirun import Run

PAGES = [  # (file, source, fetched at): two OpenRouter lists give price changes, MiniMax rejects
    ("openrouter/2024-05-15_models.json", "openrouter", "2024-05-15T04:09:05Z"),
    ("openrouter/2024-08-01_models.json", "openrouter", "2024-08-01T07:29:48Z"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("minimax/2025-12-20_en_crawler-markdown.md", "minimax", "2025-12-20T14:04:07Z"),
    ("news/2023-10-17_built-feed_baichuan_reuters.xml", "news", "2023-10-17T12:00:00Z"),
]

#: command -> its record shape; the uniform ones give exactly these keys, in this order
COMMANDS = {
    ("prices",): (shapes.HELD_PRICE_FIELDS, True),
    ("prices", "--best"): (shapes.HELD_PRICE_FIELDS, True),
    ("events",): (shapes.EVENT_FIELDS, False),
    ("history", "deepseek-chat"): (shapes.OBSERVATION_FIELDS, True),
    ("sources",): (shapes.SOURCE_FIELDS, True),
    ("funding",): (shapes.FUNDING_FIELDS, True),
    ("rejects",): (shapes.REJECT_FIELDS, True),
    ("claims",): (shapes.CLAIM_FIELDS, True),
    ("alerts",): (shapes.ALERT_FIELDS, True),
}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("csv")
    (root / "llmwatch.toml").write_text(f'[alerts]\nchannels = ["file://{root / "alerts.jsonl"}"]\n')
    run = Run(root)
    run.ingest(PAGES, codes=(0, 3))
    yield run


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(tmp_path_factory.mktemp("csv-empty"))


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("args", sorted(COMMANDS), ids=" ".join)
def test_the_csv_header_is_the_json_records_shape(full: Run, args: tuple[str, ...]) -> None:
    fields, uniform = COMMANDS[args]
    code, out, _ = full(*args, "--format", "json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert records, "the test database has records for every command"
    for rec in records:
        if uniform:
            assert list(rec) == list(fields)
        else:
            assert set(rec) <= set(fields), set(rec) - set(fields)
    code, out, _ = full(*args, "--format", "csv")
    rows = _csv(out)
    assert rows[0] == list(fields)
    assert len(rows) == len(records) + 1 and all(len(r) == len(fields) for r in rows)


@pytest.mark.parametrize("args", sorted(COMMANDS), ids=" ".join)
def test_an_empty_result_has_the_same_header(empty: Run, args: tuple[str, ...]) -> None:
    fields, _ = COMMANDS[args]
    code, out, _ = empty(*args, "--format", "csv")
    if args in (("claims",), ("sources",)):  # listed on an empty database too: the bundled claims, the sources
        assert code == 0 and _csv(out)[0] == list(fields)
        return
    assert code == 0 and _csv(out) == [list(fields)]


def test_csv_values_are_plain(full: Run) -> None:
    _, out, _ = full("events", "--format", "csv")
    rows = _csv(out)
    header, body = rows[0], rows[1:]
    cells = [dict(zip(header, r, strict=True)) for r in body]
    changed = next(c for c in cells if c["type"] == "price_changed")
    assert changed["occurred_at"] == "2024-08-01T07:29:48Z"  # ISO 8601 UTC
    float(changed["new"]), float(changed["change_pct"])  # plain numbers
    funded = next(c for c in cells if c["type"] == "funding_announced")
    assert funded["company"] == "baichuan" and funded["amount"] == "300000000"
    assert json.loads(funded["investors"]) == ["alibaba", "tencent", "xiaomi"]  # lists as JSON
    assert all(c["provider"] == "" for c in cells if c["type"].startswith("funding"))  # null is empty
    _, out, _ = full("prices", "--format", "csv")
    prices = [dict(zip(_csv(out)[0], r, strict=True)) for r in _csv(out)[1:]]
    assert {p["free"] for p in prices} <= {"true", "false"} and {p["official"] for p in prices} == {"true", "false"}
    _, out, _ = full("claims", "--format", "csv")
    claims = [dict(zip(_csv(out)[0], r, strict=True)) for r in _csv(out)[1:]]
    evidence = [e for c in claims if c["evidence"] for e in json.loads(c["evidence"])]
    assert evidence and all("datetime" not in json.dumps(e) and "Decimal" not in json.dumps(e) for e in evidence)
    assert any(e["fetched_at"] == "2025-12-20T14:04:07Z" for e in evidence)
    _, out, _ = full("sources", "--format", "csv")
    sources = {r[0]: dict(zip(_csv(out)[0], r, strict=True)) for r in _csv(out)[1:]}
    assert json.loads(sources["openrouter"]["urls"]) == ["https://openrouter.ai/api/v1/models"]


def test_extract_and_ingest_write_the_same_shapes(full: Run, tmp_path: Path) -> None:
    code, out, _ = full(
        "extract", str(FIXTURES / PAGES[2][0]), "--source", "deepseek", "--fetched-at", PAGES[2][2], "--format", "csv"
    )
    assert code == 0 and _csv(out)[0] == list(shapes.PRICE_FIELDS)
    code, out, _ = full("extract", str(FIXTURES / PAGES[4][0]), "--source", "news", "--format", "csv")
    assert code == 0 and _csv(out)[0] == list(shapes.REPORT_FIELDS)
    first, then = FIXTURES / "syaoranwe/2024-05-23_README.md", FIXTURES / "syaoranwe/2024-06-05_README.md"
    assert full("ingest", str(first), "--source", "syaoranwe", "--fetched-at", "2024-05-23T10:33:46Z")[0] == 0
    # the table two weeks later: models added
    code, out, _ = full(
        "ingest", str(then), "--source", "syaoranwe", "--fetched-at", "2024-06-05T11:47:38Z", "-f", "csv"
    )
    rows = _csv(out)
    assert code == 0 and rows[0] == list(shapes.EVENT_FIELDS) and len(rows) > 1
    assert "model_added" in {r[0] for r in rows[1:]}
    assert all(len(r) == len(rows[0]) and r[0] for r in rows[1:])  # the page's events, whatever their type
