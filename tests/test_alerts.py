"""Alerts: rules, messages, and delivery to a real HTTP receiver on 127.0.0.1
(one POST per alert; pending while it fails or is down; never twice)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from db.models import Alert
from llmwatch import delivery
from llmwatch.config import load
from pipeline.extract.alerts import Rule, RuleError, render, rules_from_config
from pipeline.extract.records import Page
from pipeline.store.ingest import ingest
from tests.conftest import ingest_fixture
from tests.localhttp import Quiet

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


class Receiver(Quiet):
    posts: list[dict] = []
    #: every POST that arrived, answered or not: (Idempotency-Key header, body)
    arrived: list[tuple[str | None, dict]] = []
    status = 200
    #: seconds to wait before answering (a slow receiver; a sender that times out)
    delay = 0.0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.arrived.append((self.headers.get("Idempotency-Key"), json.loads(body)))
        if Receiver.delay:
            time.sleep(Receiver.delay)
        if Receiver.status == 200:
            Receiver.posts.append(json.loads(body))
        self.reply(Receiver.status)


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.posts, Receiver.arrived, Receiver.status, Receiver.delay = [], [], 200, 0.0
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


def test_each_message_carries_its_id_and_event_ids(receiver, tmp_path, monkeypatch, db_url, factory) -> None:
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook"]')
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    assert delivery.deliver(cfg, factory).sent == 10
    with factory() as s:
        stored = {a.event_id: a.message_id for a in s.scalars(select(Alert))}
    assert len(Receiver.arrived) == 10
    for key, body in Receiver.arrived:
        assert key and key.startswith("llmwatch-") and body["message_id"] == key  # header and payload
        (event,) = [int(e) for e in body["events"].split(",")]
        assert stored[event] == key  # the id kept on the alert is the one sent
    assert len({key for key, _ in Receiver.arrived}) == 10


def test_a_send_that_times_out_is_sent_again_with_the_same_id(receiver, tmp_path, monkeypatch, db_url, factory):
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook"]\nsend_timeout = 1')
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    Receiver.delay = 2.5  # slower than the send timeout: the message arrives, the answer does not
    report = delivery.deliver(cfg, factory)
    assert (report.sent, report.unknown, report.pending) == (0, 1, 10)
    assert "the outcome is unknown" in report.problems[0]
    first_key = Receiver.arrived[0][0]
    with factory() as s:
        (unknown,) = [a for a in s.scalars(select(Alert)) if a.status == "sending"]
    assert unknown.message_id == first_key
    Receiver.delay = 0
    assert delivery.deliver(cfg, factory, respect_backoff=False).sent == 10
    keys = [key for key, _ in Receiver.arrived]
    assert keys.count(first_key) == 2  # the same message again, under the same id: never a new alert
    assert len(set(keys)) == 10 and len(keys) == 11


def ten_alerts_pending(tmp_path: Path, port: int, backoff: int) -> tuple[Any, Path, dict[str, str]]:
    """A data directory with OpenRouter's two 2024 pages ingested: ten alerts for a webhook on
    ``port``; the command line run against it (in a child process), its config and environment."""
    cfg = tmp_path / "llmwatch.toml"
    cfg.write_text(f'[alerts]\nchannels = ["json://127.0.0.1:{port}/hook"]\nretry_backoff_seconds = {backoff}\n')
    env = {**os.environ, "LLMWATCH_DATA_DIR": str(tmp_path / "data")}
    env.pop("LLMWATCH_DATABASE_URL", None)
    fixtures = Path(__file__).parent / "fixtures" / "openrouter"

    def llmwatch(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "llmwatch", "--config", str(cfg), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    for name, at in (
        ("2024-05-15_models.json", "2024-05-15T04:09:05Z"),
        ("2024-08-01_models.json", "2024-08-01T07:29:48Z"),
    ):
        assert llmwatch("ingest", str(fixtures / name), "--source", "openrouter", "--fetched-at", at).returncode == 0
    return llmwatch, cfg, env


def test_a_send_cut_short_by_a_crash_is_sent_again_with_the_same_id(receiver, tmp_path: Path) -> None:
    llmwatch, cfg, env = ten_alerts_pending(tmp_path, receiver.server_address[1], backoff=0)
    Receiver.delay = 30  # the first message arrives; the sender is killed before the answer
    sender = subprocess.Popen(
        [sys.executable, "-m", "llmwatch", "--config", str(cfg), "alerts", "send"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while not Receiver.arrived and time.time() < deadline:
        time.sleep(0.1)
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=30)
    ((interrupted, _),) = Receiver.arrived
    Receiver.delay = 0
    rerun = llmwatch("alerts", "send")
    assert rerun.returncode == 0, rerun.stderr
    keys = [key for key, _ in Receiver.arrived]
    assert keys[1] == interrupted  # the interrupted message first, with its id: the receiver drops it
    assert len(keys) == 11 and len(set(keys)) == 10


def test_alerts_send_delivers_now_unless_asked_to_respect_the_back_off(tmp_path, receiver) -> None:
    llmwatch, _, _ = ten_alerts_pending(tmp_path, receiver.server_address[1], backoff=600)
    Receiver.status = 500
    down = llmwatch("alerts", "send")
    assert down.returncode == 1 and "next attempt" in down.stderr
    Receiver.status = 200
    waiting = llmwatch("alerts", "send", "--respect-backoff")
    assert waiting.returncode == 0 and "10 alerts wait for their back-off: next attempt at" in waiting.stderr
    assert len(Receiver.posts) == 0
    now = llmwatch("alerts", "send")  # the channel is back: everything pending goes now
    assert now.returncode == 0 and "10 alerts sent in 10 messages; 0 pending" in now.stderr
    assert len(Receiver.posts) == 10


def test_a_token_in_a_webhook_path_is_never_shown_or_stored(receiver, tmp_path, monkeypatch, db_url, factory) -> None:
    port = receiver.server_address[1]
    cfg = configure(tmp_path, monkeypatch, db_url, f'channels = ["json://127.0.0.1:{port}/hook/SECRETPATH999"]')
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_with_alerts(cfg, factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    Receiver.status = 500
    report = delivery.deliver(cfg, factory)
    with factory() as s:
        labels = {a.channel_label for a in s.scalars(select(Alert))}
    assert labels == {f"json://127.0.0.1:{port}/hook/S…9"}
    assert "SECRETPATH999" not in "\n".join(report.problems)
