"""The command line as users and scripts meet it: contract shapes, exit codes,
one-line errors, help with examples."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from llmwatch.cli import main as cli
from tests.cases import FIXTURES, cases, load_expected


@pytest.fixture
def llmwatch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("LLMWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LLMWATCH_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["llmwatch", *args])
        code = 0
        try:
            cli.run()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("path", cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_extract_prints_the_right_rows(llmwatch, path: Path) -> None:
    expected = load_expected(path)
    code, out, err = llmwatch(
        "extract", str(path), "--source", expected["source"], "--fetched-at", expected["fetched_at"], "--format", "json"
    )
    if expected.get("empty_reason"):  # e.g. Ark's page saved without JavaScript: its tables are gone
        assert code == 3 and expected["empty_reason"] in err
    else:
        assert code == 0
    if expected["source"] == "fx":  # an exchange-rate file: a day a row; the expected file names some days
        days = {r["date"]: r["usd_cny"] for r in jsonl(out)}
        assert len(days) == expected["days"] and min(days) == expected["first"] and max(days) == expected["last"]
        assert {d: days[d] for d in expected["usd_cny"]} == expected["usd_cny"]
        return
    assert jsonl(out) == expected.get("rows", expected.get("items"))


def test_extract_of_a_page_without_a_table_exits_3_and_says_why(llmwatch) -> None:
    page = FIXTURES / "volcengine/2025-12-18_ark-model-price_js-rendered.md"
    code, out, err = llmwatch("extract", str(page), "--source", "generic", "--provider", "bytedance")
    assert code == 3 and out == ""
    assert "no price table found; the page may need JavaScript" in err and len(err.strip().splitlines()) == 1


def test_extract_of_garbage_exits_3(llmwatch, tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\xff\xfe<html><table><tr><td>\x81\x82")
    code, _, err = llmwatch("extract", str(junk), "--source", "deepseek")
    assert code == 3 and err.startswith("error:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "/nonexistent.html", "--source", "deepseek"], "cannot read /nonexistent.html"),
        (
            ["extract", str(FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"), "--source", "nosuch"],
            "unknown source 'nosuch'",
        ),
        (
            ["extract", str(FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"), "--source", "generic"],
            "--source generic needs --provider",
        ),
        (["prices", "--at", "last tuesday"], "--at: not an ISO 8601 date"),
        (["prices", "--bogus"], "No such option: --bogus"),
        (["parse", "weight", "3kg"], "parse takes price, money or date"),
    ],
)
def test_usage_errors_exit_2_with_one_line(llmwatch, args: list[str], message: str) -> None:
    code, _, err = llmwatch(*args)
    assert code == 2 and message in err


def test_ingest_then_query_in_the_contract_shapes(llmwatch) -> None:
    for rel, when in [
        ("openrouter/2024-05-15_models.json", "2024-05-15T04:09:05Z"),
        ("openrouter/2024-08-01_models.json", "2024-08-01T07:29:48Z"),
    ]:
        code, _, err = llmwatch("ingest", str(FIXTURES / rel), "--source", "openrouter", "--fetched-at", when)
        assert code == 0, err
    assert "stored: 28 rows, 10 events" in err

    code, out, _ = llmwatch("events", "--type", "price_changed", "--format", "json")
    changes = jsonl(out)
    assert {(e["model"], e["component"], e["old"], e["new"], e["change_pct"]) for e in changes} == {
        ("yi-6b", "input", "0.126", "0.18", "42.86"),
        ("yi-6b", "output", "0.126", "0.18", "42.86"),
        ("qwen-72b-chat", "input", "0.9", "0.81", "-10"),
        ("qwen-72b-chat", "output", "0.9", "0.81", "-10"),
    }
    first = changes[0]
    assert {
        "type",
        "id",
        "occurred_at",
        "source",
        "url",
        "snapshot",
        "provider",
        "model",
        "component",
        "condition",
        "currency",
        "old",
        "new",
        "change_pct",
    } <= set(first)
    assert (first["source"], first["url"], first["occurred_at"]) == (
        "openrouter",
        "https://openrouter.ai/api/v1/models",
        "2024-08-01T07:29:48Z",
    )

    code, out, _ = llmwatch("prices", "--model", "deepseek-chat", "--format", "json")
    (inp, outp) = sorted(jsonl(out), key=lambda r: r["component"])
    assert (inp["component"], inp["amount_per_mtok"], inp["currency"], inp["cny_per_mtok"]) == (
        "input",
        "0.14",
        "USD",
        "1.014776",  # 0.14 x 7.2484, the ECB's rate of 2024-08-01 (7.8203 / 1.0789), when it was last seen
    )
    assert outp["amount_per_mtok"] == "0.28"

    code, out, _ = llmwatch("prices", "--model", "yi-6b", "--at", "2024-06-01", "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("kind,provider,model,component,condition,amount_per_mtok,currency,cny_per_mtok")
    assert sorted(line.split(",")[5] for line in lines[1:]) == ["0.126", "0.126"]

    code, out, _ = llmwatch("history", "yi-6b", "--component", "input", "--format", "json")
    assert [(h["amount_per_mtok"], h["first_seen"]) for h in jsonl(out)] == [
        ("0.126", "2024-05-15T04:09:05Z"),
        ("0.18", "2024-08-01T07:29:48Z"),
    ]

    code, out, _ = llmwatch("sources", "--format", "json")
    health = {s["source"]: (s["health"], s["prices"]) for s in jsonl(out)}
    # judged against now and the schedule (6 h, stale after 3 intervals): a 2024 success is stale,
    # not "ok" as this test said before issue 16
    assert health["openrouter"][1] == 28 and health["deepseek"] == ("never fetched", 0)
    assert health["openrouter"][0].startswith("stale: last success ") and health["openrouter"][0].endswith(
        " y ago (limit 18 h)"
    )


def test_ingest_twice_changes_nothing(llmwatch) -> None:
    args = (
        "ingest",
        str(FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"),
        "--source",
        "moonshot",
        "--fetched-at",
        "2025-12-20T14:04:07Z",
    )
    assert llmwatch(*args)[2].startswith("stored: 36 rows")
    assert llmwatch(*args)[2].startswith("unchanged: 0 rows, 0 events")
    _code, out, _ = llmwatch("prices", "--source", "moonshot", "--format", "json")
    assert len(jsonl(out)) == 36


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["price", "0.8厘/千tokens"], {"amount_per_mtok": "0.8", "currency": "CNY", "free": False}),
        (
            ["price", "$0.27 / 1M tokens", "--fetched-at", "2025-06-01"],
            # Sunday: the ECB's rate of Friday 2025-05-30, 8.1576 / 1.1339 = 7.1943
            {"amount_per_mtok": "0.27", "cny_per_mtok": "1.942461", "fx_rate": "7.1943", "fx_date": "2025-05-30"},
        ),
        (["price", "限时免费"], {"amount_per_mtok": "0", "free": True, "limited_time": True}),
        (["money", "超25亿元"], {"amount": "2500000000", "currency": "CNY", "qualifier": "over"}),
        (["money", "数亿美元"], {"amount": None, "currency": "USD", "qualifier": "vague"}),
        (["date", "3小时前", "--fetched-at", "2024-07-06T12:00:00+08:00"], {"utc": "2024-07-06T01:00:00Z"}),
        (["date", "2024年7月6日"], {"utc": "2024-07-05T16:00:00Z"}),
    ],
)
def test_parse(llmwatch, args: list[str], expected: dict) -> None:
    code, out, _ = llmwatch("parse", *args)
    assert code == 0
    got = json.loads(out)
    assert {k: got[k] for k in expected} == expected


def test_parse_of_nonsense_exits_3(llmwatch) -> None:
    code, _, err = llmwatch("parse", "price", "about tree fiddy")
    assert code == 3 and "no number" in err


def test_every_command_is_documented_with_an_example() -> None:
    import typer.main

    group = typer.main.get_command(cli.app)
    commands = dict(group.commands)  # type: ignore[attr-defined]
    commands.update({f"db {k}": v for k, v in commands.pop("db").commands.items()})
    for name, command in commands.items():
        assert "llmwatch " in (command.help or ""), f"`llmwatch {name} --help` has no example"


def test_claims_in_the_contract_shape(llmwatch) -> None:
    for rel, when in [
        ("syaoranwe/2024-06-05_README.md", "2024-06-05T11:47:38Z"),
        ("deepseek/2025-12-20_zh_crawler-markdown.md", "2025-12-20T14:04:07Z"),
    ]:
        assert llmwatch("ingest", str(FIXTURES / rel), "--source", rel.split("/")[0], "--fetched-at", when)[0] == 0
    _, out, _ = llmwatch("claims", "--format", "json")
    claims = {c["id"]: c for c in jsonl(out)}
    deepseek = claims["deepseek-1-yuan"]
    assert {
        "id",
        "subject",
        "kind",
        "text",
        "article_date",
        "status_at_article",
        "status_now",
        "changed_at",
        "evidence",
    } <= set(deepseek)
    assert (deepseek["subject"], deepseek["kind"], deepseek["article_date"]) == ("deepseek", "price", "2024-07-06")
    assert (deepseek["status_at_article"], deepseek["status_now"]) == ("supported", "contradicted")
    assert deepseek["changed_at"] == "2025-12-20T14:04:07Z"
    assert {(e["source"], e["value"], e["currency"]) for e in deepseek["evidence"]} == {
        ("deepseek", "2", "CNY"),
        ("syaoranwe", "1", "CNY"),
    }
    assert claims["openai-china-api"]["status_now"] == "no data"
    _, out, _ = llmwatch("claims", "--at", "2025-01-01", "--format", "json")
    assert {c["id"]: c["status_now"] for c in jsonl(out)}["deepseek-1-yuan"] == "supported"


def test_version(llmwatch) -> None:
    from importlib.metadata import version

    code, out, _ = llmwatch("--version")
    assert code == 0 and out == f"llmwatch {version('llmwatch')}\n" and version("llmwatch") == "0.1.0"


@pytest.mark.parametrize("args", [["prices"], ["events"], ["history", "deepseek-chat"], ["funding"], ["rejects"]])
def test_an_empty_database_says_where_it_is_and_what_to_do(llmwatch, tmp_path: Path, args: list[str]) -> None:
    code, _, err = llmwatch(*args)
    assert code == 0
    assert f"the database is empty (sqlite:///{tmp_path / 'data' / 'llmwatch.db'})" in err
    assert "llmwatch crawl" in err and "make demo" in err and "LLMWATCH_DATA_DIR=.demo" in err


def test_a_database_with_data_gives_no_empty_hint(llmwatch) -> None:
    page = FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md"
    assert llmwatch("ingest", str(page), "--source", "moonshot", "--fetched-at", "2025-12-20T14:04:07Z")[0] == 0
    code, _, err = llmwatch("prices", "--provider", "zhipu")  # nothing matches, yet the database holds pages
    assert code == 0 and "empty" not in err


def test_make_install_links_the_command(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if not shutil.which("make"):
        pytest.skip("make is not installed")
    root = Path(__file__).parent.parent
    done = subprocess.run(
        ["make", "-s", "install", f"BINDIR={tmp_path / 'bin'}"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    link = tmp_path / "bin" / "llmwatch"
    assert link.resolve() == (root / ".venv" / "bin" / "llmwatch").resolve()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("llmwatch ")
