"""Seeing the market: the plot's data read back (lines and steps, not pixels),
the static report in a real headless Chromium, scraped text escaped, and the
JSON API of ``llmwatch serve``."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from decimal import Decimal
from pathlib import Path
from urllib.error import HTTPError

import pytest

from llmwatch import plot
from llmwatch.config import load
from tests.conftest import ingest_fixture

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def openrouter_pair(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")


def test_the_plot_has_one_line_per_model_with_the_right_steps(factory) -> None:
    openrouter_pair(factory)
    with factory() as s:
        lines = plot.series(s, ["yi-6b", "qwen-72b-chat", "deepseek-chat"])
    fig = plot.figure(lines)
    # the models' lines (the change markers are unlabelled)
    drawn = {line.get_label(): line for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")}
    assert sorted(drawn) == ["deepseek-chat", "qwen-72b-chat", "yi-6b"]
    # 0.126 -> 0.18 USD at the ECB's rates of 2024-05-15 (7.2205) and 2024-08-01 (7.2484):
    # 0.909783 -> 1.304712 CNY, the step on 2024-08-01
    assert [round(y, 6) for y in drawn["yi-6b"].get_ydata()] == [0.909783, 1.304712]
    assert [round(y, 6) for y in drawn["qwen-72b-chat"].get_ydata()] == [6.49845, 5.871204]  # 0.9 -> 0.81 USD
    # one price seen on both days: converted at the rate of its latest sighting, 0.14 x 7.2484
    assert list(drawn["deepseek-chat"].get_ydata()) == [pytest.approx(1.014776)] * 2  # flat, drawn to the end
    notes = sorted(a.get_text() for a in fig.axes[0].texts)
    # in the chart's currency, on the steps (these read "0.18 USD (+42.86%)" before issue 16)
    # the change in CNY, exchange rate and all: 1.304712 / 0.909783 = +43.41%, 5.871204 / 6.49845 = -9.65%
    assert notes == ["1.304712 CNY (+43.41%)", "5.871204 CNY (-9.65%)"]


def test_cheapest_leaves_out_free_models_when_asked(factory) -> None:
    openrouter_pair(factory)
    with factory() as s:
        assert plot.cheapest(s, 2) == ["qwen-2-7b-instruct:free", "qwen-2-7b-instruct"]
        assert plot.cheapest(s, 2, paid=True) == ["qwen-2-7b-instruct", "qwen-4b-chat"]


@pytest.fixture
def report_dir(tmp_path: Path, db_url: str, factory, monkeypatch) -> Path:
    openrouter_pair(factory)
    # hand-made response: scraped text that would run as script if it were not escaped
    evil = {
        "data": [{"id": "deepseek/<script>alert(1)</script>", "pricing": {"prompt": "0.000001", "completion": "0"}}]
    }
    from datetime import UTC, datetime

    from crawler import registry
    from pipeline.extract.records import Page
    from pipeline.store.ingest import ingest

    page = Page("https://openrouter.ai/api/v1/models?evil", json.dumps(evil).encode(), datetime(2024, 9, 1, tzinfo=UTC))
    ingest(factory, "openrouter", page, lambda p: registry.extract("openrouter", p))
    monkeypatch.setenv("LLMWATCH_DATABASE_URL", db_url)
    from llmwatch import report

    with factory() as s:
        report.build(load(None, {"LLMWATCH_DATABASE_URL": db_url}), s, tmp_path / "site")
    return tmp_path / "site"


def test_scraped_text_is_escaped(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text()
    assert "&lt;script&gt;alert&lt;/script&gt;" in html  # the model id, "(1)" dropped by normalisation
    assert "<script>alert" not in html
    assert (report_dir / "price-war.png").exists() or (report_dir / "cheapest.png").exists()


def test_the_report_in_headless_chromium(report_dir: Path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (.ci/run installs it: apt-get install chromium)"
    flags = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={report_dir / 'profile'}",
    ]
    url = (report_dir / "index.html").as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    rows = dom.count('<tr data-provider="')
    assert rows == 28 + 2  # the 28 current OpenRouter prices, and the hand-made model's two
    assert "&lt;script&gt;alert&lt;/script&gt;" in dom  # shown as text, not run
    assert f"{rows} prices shown" in dom  # the page's script ran and counted the rows it shows
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run(
        [*flags, "--window-size=1400,1800", f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
    )
    assert shot.stat().st_size > 20_000


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


def test_the_json_api(factory, db_url: str) -> None:
    openrouter_pair(factory)
    from llmwatch.serve import make_server

    server = make_server(load(None, {"LLMWATCH_DATABASE_URL": db_url}), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        prices = json.loads(fetch(f"{base}/api/prices?provider=deepseek"))
        assert {(p["model"], p["component"], p["amount_per_mtok"]) for p in prices} == {
            ("deepseek-chat", "input", "0.14"),
            ("deepseek-chat", "output", "0.28"),
            ("deepseek-coder", "input", "0.14"),
            ("deepseek-coder", "output", "0.28"),
        }
        changes = json.loads(fetch(f"{base}/api/events?type=price_changed&model=yi-6b"))
        assert [(c["old"], c["new"]) for c in changes] == [("0.126", "0.18"), ("0.126", "0.18")]
        at = json.loads(fetch(f"{base}/api/prices?model=yi-6b&at=2024-06-01"))
        assert {p["amount_per_mtok"] for p in at} == {str(Decimal("0.126"))}
        assert len(json.loads(fetch(f"{base}/api/claims"))) == 9
        page = fetch(f"{base}/").decode()
        assert "qwen-72b-chat" in page
        with pytest.raises(HTTPError) as missing:
            fetch(f"{base}/api/nothing")
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.shutdown()
        server.server_close()


def test_the_api_answers_as_the_cli_does(factory, db_url: str) -> None:
    openrouter_pair(factory)
    from llmwatch.serve import PORT, make_server

    assert PORT != 8765  # the README's webhook example listens there
    server = make_server(load(None, {"LLMWATCH_DATABASE_URL": db_url}), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # one row per price by default, every source with all_sources=1; limit as --limit
        assert len(json.loads(fetch(f"{base}/api/prices?model=yi-6b&limit=1"))) == 1
        assert len(json.loads(fetch(f"{base}/api/events?limit=2"))) == 2
        assert {p["stale"] for p in json.loads(fetch(f"{base}/api/prices?model=yi-6b"))} == {True}
        assert json.loads(fetch(f"{base}/api/prices?model=yi-6b&fresh=1")) == []
        # case-insensitive ids, as in the CLI
        assert json.loads(fetch(f"{base}/api/prices?provider=DeepSeek")) == json.loads(
            fetch(f"{base}/api/prices?provider=deepseek")
        )
        for query, message in [
            ("/api/prices?provider=openai", "provider: unknown provider 'openai'; known: 01ai, alibaba"),
            ("/api/events?type=price_change", "type: unknown event type 'price_change'; did you mean 'price_changed'"),
            ("/api/prices?at=yesterday", "at: not an ISO 8601 date or time: 'yesterday'"),
            ("/api/events?since=9999-12-31T23:59:59-23:59", "since: out of the range of dates llmwatch compares"),
            ("/api/prices?at=0001-01-01T00:00:00%2B14:00", "at: out of the range of dates llmwatch compares"),
            ("/api/events?limit=0", "limit: a whole number of 1 or more, not '0'"),
        ]:
            with pytest.raises(HTTPError) as bad:
                fetch(base + query)
            assert bad.value.code == 400, query
            assert json.loads(bad.value.read())["error"].startswith(message), query
            bad.value.close()
        head = urllib.request.Request(f"{base}/api/sources", method="HEAD")
        with urllib.request.urlopen(head) as response:
            assert response.status == 200 and response.read() == b""
            assert int(response.headers["Content-Length"]) > 0
    finally:
        server.shutdown()
        server.server_close()


def test_the_page_is_built_once_per_change_and_its_folder_removed(factory, db_url: str) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    from llmwatch.serve import make_server

    server = make_server(load(None, {"LLMWATCH_DATABASE_URL": db_url}), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    folder = server.folder
    try:
        first = [fetch(f"{base}/") for _ in range(3)]
        assert server.answers.builds == 1 and first[0] == first[2]
        ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
        assert b"0.81" in fetch(f"{base}/") and server.answers.builds == 2  # the new prices, built once more
        # filter text is matched as written: % and _ are not wildcards
        assert json.loads(fetch(f"{base}/api/prices?model=%25")) == []
        assert json.loads(fetch(f"{base}/api/events?model=yi_6b")) == []
        assert len(json.loads(fetch(f"{base}/api/events?model=yi-6b"))) == 2
    finally:
        server.shutdown()
        server.server_close()
    assert not folder.exists()


def test_only_web_addresses_become_links(factory, db_url: str) -> None:
    from llmwatch import report
    from pipeline.extract.alerts import render, render_digest

    with factory() as s:
        ctx = report.context(load(None, {"LLMWATCH_DATABASE_URL": db_url}), s, [])
    # a feed's item links, as a hostile feed writes them (hand-made values)
    bad = ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>"]
    ctx["changes"] = [
        {"occurred_at": None, "type": "funding_announced", "source": "news", "url": url, "summary": f"round {i}"}
        for i, url in enumerate([*bad, "https://36kr.com/p/1"])
    ]
    html = report.environment().get_template("report.html").render(**ctx)
    assert 'href="javascript' not in html.lower() and 'href=" javascript' not in html.lower()
    assert 'href="data:' not in html and '<a href="https://36kr.com/p/1"' in html
    assert "round 0 <small>(javascript:alert(document.cookie))</small>" in html  # shown as text
    event = {"type": "funding_announced", "id": 1, "source": "news", "url": bad[0], "company": "Moonshot"}
    assert "evidence (not a web address: `javascript:alert(document.cookie)`)" in render(event)[1]
    assert "<javascript:" not in render_digest([event])[1]
