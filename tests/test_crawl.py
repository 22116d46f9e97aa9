"""A real crawl through Scrapy against a local HTTP server on 127.0.0.1 that
serves the fixtures, end to end into the database; then the same crawl again
from its WARC archive with the server gone (``--replay``)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cases import FIXTURES
from tests.localhttp import Quiet, serving

pytestmark = pytest.mark.slow

ROUTES = {
    "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /private/\n"),
    "/zh-cn/quick_start/pricing": (
        "text/markdown; charset=utf-8",
        (FIXTURES / "deepseek/2025-12-20_zh_crawler-markdown.md").read_bytes(),
    ),
    "/docs/pricing/chat": (
        "text/html; charset=utf-8",
        (FIXTURES / "moonshot/2025-12-20_zh_crawler-markdown.md").read_bytes(),
    ),
    "/api/v1/models": ("application/json", (FIXTURES / "openrouter/2024-05-15_models.json").read_bytes()),
    "/stats/eurofxref/eurofxref-hist.zip": (
        "application/zip",
        (FIXTURES / "fx/2026-10-30_eurofxref-hist.zip").read_bytes(),
    ),
}


class Site(Quiet):
    agents: list[str] = []

    def do_GET(self) -> None:
        Site.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/broken":
            return self.reply(500)
        if self.path not in ROUTES:
            return self.reply(404)
        ctype, body = ROUTES[self.path]
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            return self.reply(200, gzip.compress(body), ctype, Content_Encoding="gzip")
        return self.reply(200, body, ctype)


@pytest.fixture
def site() -> Iterator[str]:
    Site.agents.clear()
    with serving(Site) as url:
        yield url


def llmwatch(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMWATCH_DATA_DIR": str(data), "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0"}
    env.pop("LLMWATCH_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "llmwatch", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def prices(data: Path) -> list[dict]:
    out = llmwatch(data, "prices", "--all-sources", "--format", "json").stdout  # every source's rows
    return sorted((json.loads(line) for line in out.splitlines()), key=lambda r: json.dumps(r, sort_keys=True))


def test_crawl_stores_archives_and_replays_exactly(site: str, tmp_path: Path) -> None:
    live, offline = tmp_path / "live", tmp_path / "offline"
    urls = [
        f"deepseek={site}/zh-cn/quick_start/pricing",
        f"deepseek={site}/private/pricing",  # robots.txt forbids it: skipped, not an error
        f"moonshot={site}/docs/pricing/chat",
        f"moonshot={site}/broken",  # HTTP 500 after retries: recorded, the run goes on
        f"openrouter={site}/api/v1/models",
    ]
    args = ["crawl", "deepseek", "moonshot", "openrouter", *[a for u in urls for a in ("--url", u)]]
    first = llmwatch(live, *args)
    # the run goes on past the broken page, and its exit code says that one page is missing
    assert first.returncode == 1, first.stderr
    assert "error: 1 of 4 pages could not be fetched or stored" in first.stderr
    # OpenRouter's 2024 USD prices and DeepSeek's own page disagree on deepseek-chat input and output
    assert "run 1 finished: 4 pages (0 unchanged), 64 rows, 2 events, 1 rejects, 1 errors" in first.stderr
    assert all(agent.startswith("llmwatch/") for agent in Site.agents)

    got = prices(live)
    by_source = {s: sum(r["source"] == s for r in got) for s in ("deepseek", "moonshot", "openrouter")}
    assert by_source == {"deepseek": 6, "moonshot": 36, "openrouter": 22}
    hit = next(r for r in got if r["model"] == "deepseek-chat" and r["component"] == "input_cache_hit")
    assert (hit["amount_per_mtok"], hit["currency"], hit["url"]) == ("0.2", "CNY", f"{site}/zh-cn/quick_start/pricing")

    warcs = list((live / "warc").glob("run-*.warc.gz"))
    assert [w.name for w in warcs] == ["run-00001.warc.gz"]
    sources = [json.loads(line) for line in llmwatch(live, "sources", "--format", "json").stdout.splitlines()]
    health = {s["source"]: s["health"] for s in sources}
    assert health["openrouter"] == "ok" and health["moonshot"] == "failing: 1 of 2 pages"

    # the same crawl again: every page unchanged, nothing new stored
    again = llmwatch(live, *args)
    assert "run 2 finished: 4 pages (3 unchanged), 0 rows, 0 events" in again.stderr, again.stderr
    assert prices(live) != [] and len(prices(live)) == len(got)

    # the server is gone: replay the archive into a fresh database
    Site.agents.clear()
    replayed = llmwatch(offline, "crawl", "--replay", str(warcs[0]))
    assert replayed.returncode == 1, replayed.stderr  # the archived HTTP 500 is still a missing page
    assert Site.agents == []
    assert "64 rows" in replayed.stderr
    assert _same_prices(prices(offline), got)

    # replaying into the live database changes nothing
    before = prices(live)
    llmwatch(live, "crawl", "--replay", str(warcs[0]))
    assert prices(live) == before


def _same_prices(a: list[dict], b: list[dict]) -> bool:
    """Same prices, same evidence URL, same fetch time (WARC-Date), whatever the row ids."""
    keep = (
        "source",
        "url",
        "provider",
        "model",
        "component",
        "condition",
        "amount_per_mtok",
        "currency",
        "cny_per_mtok",
        "first_seen",
    )
    return [{k: r[k] for k in keep} for r in a] == [{k: r[k] for k in keep} for r in b]


def test_an_unreachable_site_is_recorded_without_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = llmwatch(tmp_path, "crawl", "openrouter", "--url", f"openrouter=http://127.0.0.1:{port}/api/v1/models")
    assert proc.returncode == 1
    assert "no page could be fetched" in proc.stderr and "Connection was refused" in proc.stderr
    rejects = [json.loads(line) for line in llmwatch(tmp_path, "rejects", "--format", "json").stdout.splitlines()]
    assert [r["reason"].split(":")[0] for r in rejects] == ["fetch failed"]


def test_news_crawl_follows_articles_and_falls_back_to_feed_text(tmp_path: Path) -> None:
    from xml.sax.saxutils import escape

    class Newsroom(Quiet):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            pages = {
                # hand-made article page around a real item's text
                "/2024/moonshot.html": b"<html><head><title>Moonshot</title></head><body><article><h1>Alibaba leads "
                b"$1B investment in Moonshot AI</h1><p>Alibaba leads a $1B investment in Chinese AI startup Moonshot"
                b" AI, the company said on Tuesday, in a round that values it at $2.5 billion.</p><p>The Beijing "
                b"startup makes the Kimi chatbot.</p></article></body></html>",
            }
            feed = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                f"<item><title>{escape('Alibaba leads $1B bet on AI start-up Moonshot')}</title>"
                f"<link>http://127.0.0.1:{port}/2024/moonshot.html?utm_source=rss</link>"
                "<pubDate>Tue, 27 Feb 2024 13:04:00 +0000</pubDate><description>short</description></item>"
                f"<item><title>{escape('Chinese AI startup Baichuan raises $300M from Alibaba, Tencent and Xiaomi')}"
                f"</title><link>http://127.0.0.1:{port}/gone.html</link>"
                "<pubDate>Tue, 17 Oct 2023 16:22:00 +0000</pubDate>"
                "<description>The Beijing-based startup.</description>"
                "</item></channel></rss>"
            ).encode()
            path = self.path.split("?")[0]
            body, ctype = (feed, "application/rss+xml") if path == "/feed.xml" else (pages.get(path), "text/html")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", ctype)
            self.end_headers()
            if body:
                self.wfile.write(body)

    with serving(Newsroom) as base:
        proc = llmwatch(tmp_path, "crawl", "news", "--url", f"news={base}/feed.xml")
    assert proc.returncode == 0, proc.stderr
    rounds = {
        r["company"]: r for r in map(json.loads, llmwatch(tmp_path, "funding", "--format", "json").stdout.splitlines())
    }
    moonshot = rounds["moonshot"]  # read from the article page: the valuation is only there
    assert (moonshot["amount"], moonshot["valuation"], moonshot["lead_investors"]) == (
        "1000000000",
        "2500000000",
        ["alibaba"],
    )
    # the article's URL as its canonical https form, on the test server's port
    assert moonshot["sources"] == [f"{base.replace('http://', 'https://')}/2024/moonshot.html"]
    assert rounds["baichuan"]["amount"] == "300000000"  # the page is gone: the feed's own text was used
    health = {
        s["source"]: s["health"]
        for s in map(json.loads, llmwatch(tmp_path, "sources", "--format", "json").stdout.splitlines())
    }
    assert health["news"] == "ok"


class Conditional(Quiet):
    """Serves the real OpenRouter list with an ETag and Last-Modified, answering 304 when they match."""

    seen: list[tuple[str | None, str | None]] = []
    body = (FIXTURES / "openrouter/2024-05-15_models.json").read_bytes()

    def do_GET(self) -> None:
        etag, modified = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        Conditional.seen.append((etag, modified))
        if etag == '"v1"' or self.path == "/always-304":
            return self.reply(304)
        return self.reply(
            200, self.body, "application/json", ETag='"v1"', Last_Modified="Wed, 15 May 2024 00:00:00 GMT"
        )


def test_a_recrawl_asks_conditionally_and_a_304_costs_no_parsing(tmp_path: Path) -> None:
    Conditional.seen.clear()
    with serving(Conditional) as base:
        args = ["crawl", "openrouter", "--url", f"openrouter={base}/api/v1/models"]
        first = llmwatch(tmp_path, *args)
        assert "1 pages (0 unchanged), 22 rows" in first.stderr, first.stderr
        again = llmwatch(tmp_path, *args)
        assert "1 pages (1 unchanged), 0 rows, 0 events, 0 rejects, 0 errors" in again.stderr, again.stderr
        assert Conditional.seen[0] == (None, None)  # a page never fetched: asked for in full
        assert ('"v1"', "Wed, 15 May 2024 00:00:00 GMT") in Conditional.seen[1:]
        assert len(prices(tmp_path)) == 22
        # a 304 nobody asked for is a failed fetch with its reason, not an empty page
        odd = llmwatch(tmp_path, "crawl", "openrouter", "--url", f"openrouter={base}/always-304")
        assert "HTTP 304" in odd.stderr and "1 errors" in odd.stderr, odd.stderr


def test_scrapys_log_goes_to_the_run_log_not_the_terminal(site: str, tmp_path: Path) -> None:
    args = ["crawl", "moonshot", "--url", f"moonshot={site}/docs/pricing/chat", "--url", f"moonshot={site}/broken"]
    quiet = llmwatch(tmp_path / "quiet", *args)
    lines = quiet.stderr.strip().splitlines()
    assert not any("[scrapy" in line or "INFO:" in line or "Retrying" in line for line in lines), quiet.stderr
    # one line per page (the failed one with its reason), the summary naming the log
    assert sum(line.startswith("✗") for line in lines) == 1 and any("HTTP 500" in line for line in lines)
    log = tmp_path / "quiet" / "logs" / "run-00001.log"
    assert f"; log {log}" in quiet.stderr
    text = log.read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO: Spider opened" in text and "Gave up retrying" in text
    loud = llmwatch(tmp_path / "loud", "-v", *args)
    assert "[scrapy.core.engine] INFO: Spider opened" in loud.stderr and "; log " not in loud.stderr
