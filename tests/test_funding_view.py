"""Funding as people and programs read it: one name per company (the names outlets used
listed as aliases), amounts as $1.0B and 50亿元 in tables and raw in JSON, and news
ingested from files counted for the news source's health."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from llmwatch.output import money_label
from tests.cases import FIXTURES
from tests.clirun import Run

FEEDS = [
    ("news/2023-10-17_built-feed_baichuan_reuters.xml", "2023-10-17T12:00:00Z"),  # "Baichuan", $300M
    ("news/2024-03-05_built-feed_minimax_businesstimes.xml", "2024-03-05T12:00:00Z"),  # over $600M at $2.5B
    ("news/2024-07-25_tech-headlines.txt", "2024-07-25T12:00:00Z"),  # "百川智能", 50亿元 round A
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    cli = Run(tmp_path_factory.mktemp("funding"))
    yield cli.ingest([(file, "news", at) for file, at in FEEDS])


def _json(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_a_company_has_one_name_and_its_aliases(run: Run) -> None:
    rounds = _json(run("funding", "--company", "baichuan", "--format", "json")[1])
    assert [(r["company_name"], r["round"], r["amount"], r["currency"]) for r in rounds] == [
        ("Baichuan", None, "300000000", "USD"),
        ("Baichuan", "A", "5000000000", "CNY"),
    ]
    assert rounds[1]["aliases"] == ["百川智能"]  # how 2024-07-25's headline named it
    events = _json(run("events", "--company", "baichuan", "--type", "funding_announced", "--format", "json")[1])
    assert {e["company_name"] for e in events} == {"Baichuan"}
    assert all(e["summary"].startswith("Baichuan: ") for e in events)


def test_amounts_read_as_people_write_them_in_tables_and_raw_for_programs(run: Run) -> None:
    _, table, _ = run("funding")
    assert "$300M" in table and "50亿元" in table and "over $600M" in table and "$2.5B" in table
    assert "5000000000" not in table and "300000000" not in table
    _, csv_out, _ = run("funding", "--format", "csv")
    assert "5000000000" in csv_out and "50亿元" not in csv_out


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ((1_000_000_000, "USD"), "$1.0B"),
        ((342_000_000, "USD"), "$342M"),
        ((1_500_000, "USD"), "$1.5M"),
        ((5_000_000_000, "CNY"), "50亿元"),
        ((50_000_000, "CNY"), "5000万元"),
        ((100_000_000, "CNY"), "1亿元"),
        ((1_200_000_000, "HKD"), "1.2B HKD"),
        ((600_000_000, "USD", "over"), "over $600M"),
        ((2_900_000_000, "CNY", "about"), "~29亿元"),
        ((1_000_000_000, "USD", "range", 2_000_000_000), "$1.0B–$2.0B"),
        ((2_500_000_000, None), "2.5B"),
        ((None, "USD"), ""),
    ],
)
def test_money_label(args: tuple, shown: str) -> None:
    assert money_label(*args) == shown


def test_news_ingested_from_files_counts_for_the_news_source(run: Run) -> None:
    sources = {s["source"]: s for s in _json(run("sources", "--format", "json")[1])}
    news = sources["news"]
    assert news["health"] != "never fetched" and news["pages"] == len(FEEDS)
    assert news["last_success"] == "2024-07-25T12:00:00Z"
    # the same file again is the same fetch: nothing counted twice
    file, at = FEEDS[0]
    run("ingest", str(FIXTURES / file), "--source", "news", "--fetched-at", at)
    again = {s["source"]: s for s in _json(run("sources", "--format", "json")[1])}
    assert again["news"]["pages"] == len(FEEDS)
