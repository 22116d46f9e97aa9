"""Filters fail loudly: a value nothing knows is a usage error (exit 2) naming the closest
known values; a known id matches whatever its case, a company also by its name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import Run

PAGES = [
    ("openrouter/2024-05-15_models.json", "openrouter", "2024-05-15T04:09:05Z"),
    ("openrouter/2024-08-01_models.json", "openrouter", "2024-08-01T07:29:48Z"),
    ("news/2023-10-17_built-feed_baichuan_reuters.xml", "news", "2023-10-17T12:00:00Z"),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    cli = Run(tmp_path_factory.mktemp("filters"))
    yield cli.ingest(PAGES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prices", "--provider", "openai"], "--provider: unknown provider 'openai'; known: 01ai, alibaba"),
        (["prices", "--source", "nosuch"], "--source: unknown source 'nosuch'; known: aliyun, baidu"),
        (
            ["events", "--type", "price_change"],
            "--type: unknown event type 'price_change'; did you mean 'price_changed'",
        ),
        (
            ["history", "deepseek-chat", "--component", "inputs"],
            "--component: unknown component 'inputs'; did you mean 'input'?",
        ),
        (["funding", "--company", "Baichuen"], "--company: unknown company 'Baichuen'; did you mean 'baichuan'?"),
        (["rejects", "--source", "openroutr"], "--source: unknown source 'openroutr'; did you mean 'openrouter'?"),
        (["events", "--provider", "deepsek"], "--provider: unknown provider 'deepsek'; did you mean 'deepseek'?"),
        (
            ["plot", "deepseek-chatt", "--out", "x.png"],
            "model: unknown model 'deepseek-chatt'; did you mean 'deepseek-chat'",
        ),
    ],
)
def test_an_unknown_value_is_a_usage_error_with_the_closest_ones(run: Run, args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    closest = {"price_change": "'price_changed'", "inputs": "'input'", "deepseek-chatt": "'deepseek-chat'"}
    assert all(closest[a] in err for a in args if a in closest)
    assert err.startswith(f"error: {message}") and len(err.strip().splitlines()) == 1


def _json(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_ids_match_whatever_their_case(run: Run, tmp_path: Path) -> None:
    lower = _json(run("prices", "--provider", "deepseek", "--format", "json")[1])
    assert lower and _json(run("prices", "--provider", "DeepSeek", "--format", "json")[1]) == lower
    assert _json(run("prices", "--source", "OpenRouter", "--format", "json")[1]) == _json(
        run("prices", "--source", "openrouter", "--format", "json")[1]
    )
    changed = _json(run("events", "--type", "Price_Changed", "--format", "json")[1])
    assert changed and {e["type"] for e in changed} == {"price_changed"}
    code, _, err = run("plot", "DeepSeek-Chat", "--out", str(tmp_path / "chart.png"))
    assert code == 0 and err.startswith(f"wrote {tmp_path / 'chart.png'}: 1 models")
    history = _json(run("history", "DeepSeek-Chat", "--component", "INPUT", "--format", "json")[1])
    assert [(h["amount_per_mtok"], h["source"]) for h in history] == [("0.14", "openrouter")]


def test_a_company_matches_by_id_name_or_alias(run: Run) -> None:
    by_id = _json(run("funding", "--company", "baichuan", "--format", "json")[1])
    assert [(r["company"], r["amount"], r["currency"]) for r in by_id] == [("baichuan", "300000000", "USD")]
    for name in ("Baichuan", "百川智能", "Baichuan AI"):
        code, out, _ = run("funding", "--company", name, "--format", "json")
        assert code == 0 and _json(out) == by_id, name


def test_a_known_value_with_nothing_stored_is_not_an_error(run: Run) -> None:
    # zhipu is a tracked provider, this database has no price of it: an empty answer, not a typo
    code, out, _ = run("prices", "--provider", "zhipu", "--format", "json")
    assert code == 0 and out == ""
