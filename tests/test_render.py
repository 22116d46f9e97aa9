"""Rendering in Debian's Chromium through scrapy-playwright: the real
llmprice.cn index.html, whose cards a script draws, served on 127.0.0.1 and
read from the rendered DOM; and the skip, with its reason, when no browser is
there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.middlewares import read_archive
from crawler.render import NO_BROWSER, find_chromium
from tests.cases import FIXTURES
from tests.localhttp import Quiet, serving
from tests.test_crawl import llmwatch

pytestmark = pytest.mark.slow

INDEX = (FIXTURES / "llmprice_cn/2026-01-29_index.html").read_bytes()
DEEPSEEK = (FIXTURES / "deepseek/2025-12-20_zh_crawler-markdown.md").read_bytes()
ARK = (FIXTURES / "volcengine/2025-12-18_built_ark-model-price_rendered.html").read_bytes()
ALIYUN = (FIXTURES / "aliyun/2025-12-20_built_model-studio-models.html").read_bytes()
BAIDU = (FIXTURES / "baidu/2025-12-20_built_qianfan-prices.html").read_bytes()
# HAND-MADE: the built Aliyun page's tables held in a script that draws them, the way a single-page
# app serves a shell; the served HTML holds no table at all
_TABLES = ALIYUN[ALIYUN.index(b"<h2") : ALIYUN.rindex(b"</table>") + 8].decode()
DRAWN = (
    "<!doctype html><html><body><main id='doc'>loading…</main><script>"
    f"setTimeout(() => {{ document.getElementById('doc').innerHTML = {json.dumps(_TABLES)}; }}, 50);"
    "</script></body></html>"
).encode()
needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
)


class Site(Quiet):
    def do_GET(self) -> None:
        pages = {
            "/": ("text/html; charset=utf-8", INDEX),
            "/pricing": ("text/markdown; charset=utf-8", DEEPSEEK),
            "/docs/82379/1544106": ("text/html; charset=utf-8", ARK),
            "/zh/model-studio/models": ("text/html; charset=utf-8", ALIYUN),
            "/doc/qianfan/s/wmh4sv6ya": ("text/html; charset=utf-8", BAIDU),
            "/zh/model-studio/model-pricing": ("text/html; charset=utf-8", DRAWN),
        }
        if self.path not in pages:
            return self.reply(404)
        ctype, body = pages[self.path]
        return self.reply(200, body, ctype)


@pytest.fixture
def site() -> Iterator[str]:
    with serving(Site) as url:
        yield url


def _prices(data: Path) -> dict[tuple[str, ...], dict]:
    """(model, component) -> the row, and (model, component, condition) for tiered prices."""
    out = llmwatch(data, "prices", "--all-sources", "--format", "json").stdout  # every source's rows
    rows = list(map(json.loads, out.splitlines()))
    return {
        **{(r["model"], r["component"]): r for r in rows},
        **{(r["model"], r["component"], r["condition"]): r for r in rows},
    }


def test_the_served_page_has_no_cards_until_a_script_draws_them() -> None:
    from parsel import Selector

    assert Selector(text=INDEX.decode()).css(".provider-card") == []
    assert b"providersData" in INDEX


@needs_chromium
def test_a_javascript_page_is_rendered_in_chromium_and_read_from_its_dom(
    site: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LLMWATCH_CRAWL_RENDER", "llmprice_cn")
    monkeypatch.setenv("LLMWATCH_CRAWL_OBEY_ROBOTS", "false")
    proc = llmwatch(tmp_path, "crawl", "llmprice_cn", "--url", f"llmprice_cn={site}/")
    assert proc.returncode == 0, proc.stderr
    assert "52 rows" in proc.stderr, proc.stderr

    # what was archived (and extracted) is the DOM Chromium drew, not the HTML served
    (warc,) = (tmp_path / "warc").glob("run-*.warc.gz")
    entry = read_archive(str(warc))[f"{site}/"]
    from parsel import Selector

    rendered = Selector(text=entry.body.decode())
    assert len(rendered.css(".provider-card")) == 11
    assert rendered.css('tr[data-model-name="deepseek-chat"] .price-input::text').get() == "1.96元"

    got = _prices(tmp_path)
    assert got["deepseek-chat", "input"]["amount_per_mtok"] == "1.96"
    assert got["deepseek-chat", "output"]["amount_per_mtok"] == "2.94"
    assert got["ernie-speed-8k", "input"]["free"] is True
    assert got["ernie-4.0-turbo-8k", "output"]["cny_per_mtok"] == "60"

    # the replay serves the rendered page without a browser
    offline = tmp_path / "offline"
    replayed = llmwatch(offline, "crawl", "--replay", str(warc))
    assert "52 rows" in replayed.stderr, replayed.stderr


def test_without_chromium_rendered_sources_are_skipped_and_the_rest_runs(
    site: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LLMWATCH_CRAWL_RENDER", "llmprice_cn")
    monkeypatch.setenv("LLMWATCH_CRAWL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("LLMWATCH_CRAWL_OBEY_ROBOTS", "false")
    proc = llmwatch(
        tmp_path,
        "crawl",
        "llmprice_cn",
        "deepseek",
        "--url",
        f"llmprice_cn={site}/",
        "--url",
        f"deepseek={site}/pricing",
    )
    assert proc.returncode == 0, proc.stderr
    assert f"skipped llmprice_cn: {NO_BROWSER}" in " ".join(proc.stderr.split())
    assert "1 pages (0 unchanged), 6 rows" in proc.stderr
    got = _prices(tmp_path)
    assert {r["source"] for r in got.values()} == {"deepseek"}


def _status(data: Path) -> dict[str, str]:
    out = llmwatch(data, "sources", "--format", "json").stdout
    return {r["source"]: r["status"] for r in map(json.loads, out.splitlines())}


def test_a_built_source_is_experimental_until_a_crawl_reads_a_real_page(site: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LLMWATCH_CRAWL_OBEY_ROBOTS", "false")
    # since real pages of aliyun, zhipu, volcengine and tencent are tested, only baidu is built
    built = {"baidu"}
    assert {s for s, status in _status(tmp_path).items() if status == "experimental"} == built
    # a backfill of the built fixture is not a real page
    fixture = FIXTURES / "baidu/2025-12-20_built_qianfan-prices.html"
    llmwatch(tmp_path, "ingest", str(fixture), "--source", "baidu", "--fetched-at", "2025-12-20T00:00:00Z")
    assert _status(tmp_path)["baidu"] == "experimental"
    proc = llmwatch(tmp_path, "crawl", "baidu", "--url", f"baidu={site}/doc/qianfan/s/wmh4sv6ya")
    assert proc.returncode == 0, proc.stderr
    assert _status(tmp_path)["baidu"] == "stable"


@needs_chromium
def test_volcengine_reads_a_page_whose_tables_are_served(site: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LLMWATCH_CRAWL_OBEY_ROBOTS", "false")
    proc = llmwatch(tmp_path, "crawl", "volcengine", "--url", f"volcengine={site}/docs/82379/1544106")
    assert proc.returncode == 0, proc.stderr
    assert "47 rows" in proc.stderr, proc.stderr
    got = _prices(tmp_path)
    assert got["doubao-pro-32k", "input"]["cny_per_mtok"] == "0.8"  # the article's 0.8 厘 per thousand


@needs_chromium
def test_an_official_page_with_no_price_as_served_is_read_through_chromium(
    site: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LLMWATCH_CRAWL_OBEY_ROBOTS", "false")
    from datetime import UTC, datetime

    from crawler import registry
    from pipeline.extract.records import Page

    served = Page(f"{site}/zh/model-studio/model-pricing", DRAWN, datetime.now(UTC))
    assert registry.extract("aliyun", served).rows == []  # as served: nothing (the tables are in a script)
    proc = llmwatch(tmp_path, "crawl", "aliyun", "--url", f"aliyun={site}/zh/model-studio/model-pricing")
    assert proc.returncode == 0, proc.stderr
    got = _prices(tmp_path)
    assert got["qwen-plus", "output_thinking", "context<=128K"]["amount_per_mtok"] == "8"
    import sqlite3

    with sqlite3.connect(tmp_path / "llmwatch.db") as db:
        assert db.execute("select read_via, status from snapshots").fetchall() == [("browser", "ok")]
