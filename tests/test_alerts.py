"""Alerts: rules, messages, and delivery to a real HTTP receiver on 127.0.0.1
(one POST per alert; pending while it fails or is down; never twice)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, text

from db.models import Alert
from llmwatch import delivery
from llmwatch.config import load
from pipeline.extract.alerts import Rule, RuleError, render, rules_from_config
from pipeline.extract.records import Page
from pipeline.store.ingest import ingest
from tests.conftest import ingest_fixture

CHANGE = {
    "type": "price_changed",
    "id": 7,
    "occurred_at": datetime(2024, 8, 1, 7, 29, 48, tzinfo=UTC),
    "source": "openrouter",
    "url": "https://openrouter.ai/api/v1/models",
    "provider": "alibaba",
    "model": "qwen-72b-chat",
    "component": "input",
    "condition": None,
    "currency": "USD",
    "old": Decimal("0.9"),
    "new": Decimal("0.81"),
    "change_pct": Decimal("-10"),
}


def test_a_message_says_what_changed_by_how_much_with_evidence_and_time() -> None:
    title, body = render(CHANGE)
    assert title == "llmwatch: price change"
    assert body.splitlines() == [
        "alibaba/qwen-72b-chat input: 0.9 -> 0.81 USD/1M tokens (-10%)",
        "seen 2024-08-01 07:29 UTC by openrouter",
        "evidence: https://openrouter.ai/api/v1/models",
    ]


@pytest.mark.parametrize(
    ("rule", "matches"),
    [
        (Rule("all", ("x://",)), True),
        (Rule("types", ("x://",), events=frozenset({"model_added"})), False),
        (Rule("provider", ("x://",), providers=frozenset({"alibaba"})), True),
        (Rule("provider", ("x://",), providers=frozenset({"deepseek"})), False),
        (Rule("model glob", ("x://",), models=("qwen-*",)), True),
        (Rule("big moves", ("x://",), min_change_pct=Decimal(20)), False),
        (Rule("cuts", ("x://",), cuts_only=True), True),
        (Rule("cuts", ("x://",), cuts_only=True, min_change_pct=Decimal(10)), True),
    ],
)
def test_rule_filters(rule: Rule, matches: bool) -> None:
    assert rule.matches(CHANGE) is matches
    raise_ = {**CHANGE, "old": Decimal("0.81"), "new": Decimal("0.9"), "change_pct": Decimal("11.11")}
    if rule.cuts_only:
        assert rule.matches(raise_) is False


def test_rules_from_configuration() -> None:
    rules = rules_from_config(
        {
            "channels": ["json://a/"],
            "rules": [
                {
                    "name": "cuts",
                    "events": ["price_changed"],
                    "cuts_only": True,
                    "channels": ["json://b/"],
                    "digest": True,
                }
            ],
        }
    )
    assert [(r.name, r.channels, r.digest) for r in rules] == [
        ("all events", ("json://a/",), False),
        ("cuts", ("json://b/",), True),
    ]
    with pytest.raises(RuleError, match="unknown event types"):
        rules_from_config({"channels": ["json://a/"], "rules": [{"events": ["price_dropped"]}]})


class Receiver(BaseHTTPRequestHandler):
    posts: list[dict] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if Receiver.status == 200:
            Receiver.posts.append(json.loads(body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.posts, Receiver.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str, alerts: str):
    cfg_file = tmp_path / "llmwatch.toml"
    cfg_file.write_text(f"[alerts]\nretry_backoff_seconds = 0\n{alerts}\n")
    monkeypatch.setenv("LLMWATCH_DATABASE_URL", db_url)
    return load(cfg_file)


def ingest_with_alerts(cfg, factory, rel: str, when: str) -> None:
    from crawler import registry

    path = Path(__file__).parent / "fixtures" / rel
    name = path.parent.name
    page = Page(registry.get(name).url_for(path.read_text()), path.read_bytes(), datetime.fromisoformat(when))
    ingest(
        factory,
        name,
        page,
        lambda p: registry.extract(name, p),
        outbox=cfg.outbox,
        policy=registry.policy(cfg),
    )


def test_one_post_per_alert_pending_while_down_never_twice(receiver, tmp_path, monkeypatch, db_url, factory) -> None:
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook"]')
    ingest_with_alerts(cfg, factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")

    Receiver.status = 500  # the channel is failing
    report = delivery.deliver(cfg, factory)
    assert (report.sent, report.failed, report.pending) == (0, 10, 10) and Receiver.posts == []
    with factory() as s:
        assert {(a.status, a.attempts) for a in s.scalars(select(Alert))} == {("pending", 1)}

    Receiver.status = 200  # back up
    report = delivery.deliver(cfg, factory)
    assert (report.sent, report.messages, report.pending) == (10, 10, 0)
    assert len(Receiver.posts) == 10
    changes = [p["message"].splitlines()[0] for p in Receiver.posts if p["title"] == "llmwatch: price change"]
    assert sorted(changes) == sorted(
        [
            "alibaba/qwen-72b-chat input: 0.9 -> 0.81 USD/1M tokens (-10%)",
            "alibaba/qwen-72b-chat output: 0.9 -> 0.81 USD/1M tokens (-10%)",
            "01ai/yi-6b input: 0.126 -> 0.18 USD/1M tokens (+42.86%)",
            "01ai/yi-6b output: 0.126 -> 0.18 USD/1M tokens (+42.86%)",
        ]
    )

    assert delivery.deliver(cfg, factory).sent == 0  # a rerun sends nothing again
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    assert delivery.deliver(cfg, factory).sent == 0 and len(Receiver.posts) == 10


def test_a_channel_that_is_down_keeps_alerts_in_order(receiver, tmp_path, monkeypatch, db_url, factory) -> None:
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook"]')
    ingest_with_alerts(cfg, factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    receiver.shutdown()
    receiver.server_close()  # nothing listens on the port now
    report = delivery.deliver(cfg, factory)
    assert report.sent == 0 and report.pending == 10 and report.problems
    with factory() as s:
        ids = [a.event_id for a in s.scalars(select(Alert).order_by(Alert.id))]
    assert ids == sorted(ids)


def test_digest_batches_a_run_into_one_message(receiver, tmp_path, monkeypatch, db_url, factory) -> None:
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook"]\ndigest = true')
    ingest_with_alerts(cfg, factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    report = delivery.deliver(cfg, factory)
    assert (report.sent, report.messages) == (10, 1)
    (post,) = Receiver.posts
    assert post["title"] == "llmwatch: 10 changes" and len(post["message"].splitlines()) == 10


def test_rules_route_events_to_their_channels(tmp_path, monkeypatch, db_url, factory) -> None:
    cuts, news = tmp_path / "cuts.jsonl", tmp_path / "all.jsonl"
    cfg = configure(
        tmp_path,
        monkeypatch,
        db_url,
        f"""channels = ["file://{news}"]
[[alerts.rules]]
name = "qwen cuts"
events = ["price_changed"]
providers = ["alibaba"]
cuts_only = true
channels = ["file://{cuts}"]
""",
    )
    ingest_with_alerts(cfg, factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    assert delivery.deliver(cfg, factory).sent == 12
    got = [json.loads(line)["body"].splitlines()[0] for line in cuts.read_text().splitlines()]
    assert sorted(got) == [
        "alibaba/qwen-72b-chat input: 0.9 -> 0.81 USD/1M tokens (-10%)",
        "alibaba/qwen-72b-chat output: 0.9 -> 0.81 USD/1M tokens (-10%)",
    ]
    assert len(news.read_text().splitlines()) == 10


def test_extraction_broken_alerts_after_two_failures_and_once_on_recovery(tmp_path, monkeypatch, db_url, factory):
    out = tmp_path / "alerts.jsonl"
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["file://{out}"]')
    ingest_with_alerts(cfg, factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-20T00:00:00+00:00")
    url = "https://platform.moonshot.cn/docs/pricing/chat"
    for day in (21, 22, 23):  # three failed fetches in a row
        page = Page(url, b"", datetime(2025, 12, day, tzinfo=UTC), status=503)
        ingest(
            factory,
            "moonshot",
            page,
            lambda p: pytest.fail("not parsed"),
            error="HTTP 503",
            outbox=cfg.outbox,
        )
    ingest_with_alerts(cfg, factory, "moonshot/2025-12-20_zh_crawler-markdown.md", "2025-12-24T00:00:00+00:00")
    delivery.deliver(cfg, factory)
    titles = [json.loads(line)["title"] for line in out.read_text().splitlines()]
    assert titles == ["llmwatch: extraction broken", "llmwatch: source recovered"]


def test_secrets_never_reach_output_logs_or_the_database(
    receiver, tmp_path, monkeypatch, db_url, factory, capsys, caplog
):
    port = receiver.server_address[1]
    monkeypatch.setenv("HOOK_PASSWORD", "s3cr3t-passw0rd")
    cfg = configure(
        tmp_path,
        monkeypatch,
        db_url,
        f'channels = ["json://bot:${{HOOK_PASSWORD}}@127.0.0.1:{port}/hook?token=t0k3n-value"]',
    )
    ingest_with_alerts(cfg, factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    Receiver.status = 500
    failed = delivery.deliver(cfg, factory)
    Receiver.status = 200
    delivery.deliver(cfg, factory)
    assert len(Receiver.posts) == 10
    with factory() as s:
        dump = "\n".join(str(row) for row in s.execute(text("SELECT * FROM alerts")).all())
    seen = dump + "\n".join(failed.problems) + capsys.readouterr().err + caplog.text
    assert "127.0.0.1" in dump  # the label is there...
    assert "s3cr3t-passw0rd" not in seen and "t0k3n-value" not in seen  # ...the secrets are not


def test_alerts_are_retried_with_back_off(tmp_path, monkeypatch, db_url, factory) -> None:
    cfg_file = tmp_path / "llmwatch.toml"
    cfg_file.write_text('[alerts]\nchannels = ["json://127.0.0.1:9/hook"]\nretry_backoff_seconds = 60\n')
    monkeypatch.setenv("LLMWATCH_DATABASE_URL", db_url)
    cfg = load(cfg_file)
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    now = datetime(2030, 1, 1, tzinfo=UTC)
    delivery.deliver(cfg, factory, now=now)
    delivery.deliver(cfg, factory, now=now + timedelta(seconds=61))
    with factory() as s:
        due = {(a.attempts, a.next_attempt_at - now) for a in s.scalars(select(Alert))}
    assert due == {(2, timedelta(seconds=61 + 120))}  # 60 s, then 120 s
