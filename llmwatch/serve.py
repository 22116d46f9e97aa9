"""``llmwatch serve``: the report's page live, and a read-only JSON API with
the CLI's filters, on localhost. Standard library only; it reads the same
database the CLI does (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from db import queries
from db.engine import session_factory
from llmwatch import filters, report, views
from llmwatch.config import Settings
from llmwatch.output import dumps


def _flag(q: dict[str, str], name: str) -> bool:
    return q.get(name, "").lower() in ("1", "true", "yes")


def _limit(q: dict[str, str]) -> int | None:
    if not q.get("limit"):
        return None
    if not q["limit"].isdigit() or int(q["limit"]) < 1:
        raise ValueError(f"limit: a whole number of 1 or more, not {q['limit']!r}")
    return int(q["limit"])


def api(cfg: Settings, path: str, q: dict[str, str]) -> list[dict[str, Any]] | None:
    """The records of one API path, with the CLI's filters, ``limit`` and ``best`` (the
    default, as in ``prices``; ``all_sources=1`` for every source); None for an unknown path.
    A filter value nothing knows, or one that does not parse, is a ``ValueError``."""
    from llmwatch.freshness import Limits

    with session_factory(cfg.database_url)() as s:
        if path == "/api/prices":
            records = views.prices_view(
                s,
                provider=filters.provider(s, q.get("provider"), cfg.scope, "provider"),
                model=q.get("model"),
                at=filters.moment(q.get("at"), "at"),
                source=filters.source(s, q.get("source"), "source"),
                best=not _flag(q, "all_sources"),
                limits=Limits.of(cfg),
                rates=cfg.rates,
            )
            records = [r for r in records if not r["stale"]] if _flag(q, "fresh") else records
            return records[: _limit(q)]
        if path == "/api/events":
            from pipeline.extract.alerts import EVENT_TYPES

            return views.events_view(
                s,
                type_=filters.event_type(q.get("type"), EVENT_TYPES, "type"),
                provider=filters.provider(s, q.get("provider"), cfg.scope, "provider")
                or filters.company(s, q.get("company"), cfg.names, "company"),
                since=filters.moment(q.get("since"), "since"),
                source=filters.source(s, q.get("source"), "source"),
                model=q.get("model"),
                newest=_limit(q),
            )
        if path == "/api/funding":
            company = filters.company(s, q.get("company"), cfg.names, "company")
            records = views.funding_view(
                s, company=company, since=filters.moment(q.get("since"), "since"), names=cfg.names
            )
            return records[: _limit(q)]
        if path == "/api/claims":
            return views.claims_view(cfg, s, at=filters.moment(q.get("at"), "at"))
        if path == "/api/sources":
            return views.sources_view(cfg, s)
    return None


#: no example in the README or the configuration uses it for anything else (8765 is a webhook there)
PORT = 8754


#: answers are built again at least this often even when no data changed (health is judged against now)
MAX_AGE = 300
#: how many different answers (paths with their queries) are kept
KEPT = 256


class Answers:
    """The report page and the API's answers, each built once per change of the database
    (``db.queries.data_version``) and at most ``MAX_AGE`` seconds old; the page one build at a
    time, however many ask for it at once."""

    def __init__(self, cfg: Settings, folder: Path) -> None:
        self.cfg, self.folder = cfg, folder
        self.kept: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.builds = 0  # of the page
        self._lock = threading.Lock()

    def _version(self) -> tuple[Any, ...]:
        with session_factory(self.cfg.database_url)() as s:
            return (*s.execute(queries.data_version()).one(), int(time.time() // MAX_AGE))

    def page(self) -> bytes:
        key = ("/", self._version())
        with self._lock:
            if key not in self.kept:
                with session_factory(self.cfg.database_url)() as s:
                    report.build(self.cfg, s, self.folder)
                self._keep(key, (self.folder / "index.html").read_bytes())
                self.builds += 1
            return self.kept[key]

    def feed(self) -> bytes:
        """``feed.atom``, as the page's own build wrote it."""
        self.page()
        return (self.folder / "feed.atom").read_bytes()

    def api(self, path: str, query: dict[str, str]) -> bytes | None:
        """A JSON array, or JSON lines (one record a line) with ``format=jsonl``."""
        key = (path, tuple(sorted(query.items())), self._version())
        if key in self.kept:
            return self.kept[key]
        if query.get("format", "json") not in ("json", "jsonl"):
            raise ValueError(f"format: json or jsonl, not {query['format']!r}")
        lines = query.get("format") == "jsonl"
        records = api(self.cfg, path, {k: v for k, v in query.items() if k != "format"})
        if records is None:
            return None
        body = ("".join(dumps(r) + "\n" for r in records) if lines else dumps(records)).encode()
        with self._lock:
            self._keep(key, body)
        return body

    def _keep(self, key: tuple[Any, ...], body: bytes) -> None:
        self.kept[key] = body
        while len(self.kept) > KEPT:
            self.kept.popitem(last=False)


class Server(ThreadingHTTPServer):
    """Removes its charts folder when closed."""

    folder: Path
    answers: Answers
    #: connections waiting to be accepted (the default 5 makes a burst of clients wait 1 s to retry)
    request_queue_size = 128

    def server_close(self) -> None:
        super().server_close()
        shutil.rmtree(self.folder, ignore_errors=True)


def make_server(cfg: Settings, host: str = "127.0.0.1", port: int = PORT) -> Server:
    charts_dir = Path(tempfile.mkdtemp(prefix="llmwatch-serve-"))
    answers = Answers(cfg, charts_dir)

    class Handler(BaseHTTPRequestHandler):
        head = False

        def do_HEAD(self) -> None:
            """As GET, without the body (monitors and link checkers ask this way)."""
            self.head = True
            self.do_GET()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                if parts.path in ("/", "/index.html"):
                    self._send(200, "text/html; charset=utf-8", answers.page())
                elif parts.path == "/feed.atom":
                    self._send(200, "application/atom+xml; charset=utf-8", answers.feed())
                elif parts.path.endswith(".png") and "/" not in parts.path[1:]:
                    chart = charts_dir / parts.path[1:]
                    self._send(200, "image/png", chart.read_bytes()) if chart.is_file() else self._error(
                        404, "no such chart"
                    )
                else:
                    body = answers.api(parts.path, query)
                    if body is None:
                        self._error(404, f"no such page: {parts.path}")
                        return
                    kind = "application/x-ndjson" if query.get("format") == "jsonl" else "application/json"
                    self._send(200, f"{kind}; charset=utf-8", body)
            except ValueError as exc:  # a filter that does not parse, or a value nothing knows
                self._error(400, str(exc))
            except OverflowError:  # a date the database cannot compare, however it got through
                self._error(400, "a date out of the range that can be compared")

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.head:
                self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            self._send(status, "application/json; charset=utf-8", json.dumps({"error": message}).encode())

        def log_message(self, *args: object) -> None:
            pass

    try:
        server = Server((host, port), Handler)
    except OSError:
        shutil.rmtree(charts_dir, ignore_errors=True)
        raise
    server.folder = charts_dir
    server.answers = answers
    return server
