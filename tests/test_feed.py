"""The event feed (issue 18): ``feed.atom`` beside the report, ``/feed.atom`` and
``/api/events?format=jsonl`` in ``serve``, read back with feedparser. An entry's id is the
same for the same change from a rebuilt database, so a reader shows every change once."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import feedparser

from llmwatch import report
from llmwatch.config import load
from tests.conftest import ingest_fixture

#: OpenRouter's two 2024 snapshots: the four price changes of issue 1's fixtures, and more
PAGES = [
    ("openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00"),
    ("openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00"),
]


def _build(factory, db_url: str, out: Path) -> feedparser.FeedParserDict:
    for rel, at in PAGES:
        ingest_fixture(factory, rel, at)
    with factory() as s:
        report.build(load(None, {"LLMWATCH_DATABASE_URL": db_url}), s, out)
    return feedparser.parse((out / "feed.atom").read_bytes())


def test_the_report_writes_a_feed_of_its_recent_changes(factory, db_url: str, tmp_path: Path) -> None:
    feed = _build(factory, db_url, tmp_path / "site")
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "llmwatch: China's large-model market, changes"
    titles = [e.title for e in feed.entries]
    assert "alibaba/qwen-72b-chat input: 0.9 -> 0.81 USD/1M tokens (-10%)" in titles
    assert "01ai/yi-6b output: 0.126 -> 0.18 USD/1M tokens (+42.86%)" in titles
    change = next(e for e in feed.entries if e.title.startswith("alibaba/qwen-72b-chat input"))
    assert change.link == "https://openrouter.ai/api/v1/models"
    assert change.updated.startswith("2024-08-01T07:29:48")
    assert [t.term for t in change.tags] == ["price_changed"]
    assert "seen 2024-08-01 07:29 UTC by openrouter" in change.content[0].value
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:llmwatch:event:") for i in ids)


def test_entry_ids_are_the_same_from_a_rebuilt_database(factory, db_url: str, tmp_path: Path, sqlite_url) -> None:
    from db.engine import session_factory

    first = _build(factory, db_url, tmp_path / "one")
    other = session_factory(f"sqlite:///{tmp_path / 'rebuilt.db'}")  # the same pages, another database
    again = _build(other, f"sqlite:///{tmp_path / 'rebuilt.db'}", tmp_path / "two")
    assert {e.id for e in first.entries} == {e.id for e in again.entries}


def test_serve_answers_the_feed_and_events_as_json_lines(factory, db_url: str) -> None:
    for rel, at in PAGES:
        ingest_fixture(factory, rel, at)
    from llmwatch.serve import make_server

    server = make_server(load(None, {"LLMWATCH_DATABASE_URL": db_url}), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/feed.atom") as response:
            assert response.headers["Content-Type"].startswith("application/atom+xml")
            feed = feedparser.parse(response.read())
        assert not feed.bozo and len(feed.entries) > 4
        url = f"{base}/api/events?since=2024-08-01T00:00:00Z&type=price_changed&format=jsonl"
        with urllib.request.urlopen(url) as response:
            assert response.headers["Content-Type"].startswith("application/x-ndjson")
            lines = [json.loads(line) for line in response.read().decode().splitlines()]
        assert {(e["model"], e["component"], e["old"], e["new"]) for e in lines} >= {
            ("qwen-72b-chat", "input", "0.9", "0.81"),
            ("yi-6b", "output", "0.126", "0.18"),
        }
        assert all(e["occurred_at"] >= "2024-08-01" for e in lines)
    finally:
        server.shutdown()
        server.server_close()
