"""``llmwatch serve``: the report's page live, and a read-only JSON API with
the CLI's filters, on localhost. Standard library only; it reads the same
database the CLI does (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


def make_server(cfg: Settings, host: str = "127.0.0.1", port: int = PORT) -> ThreadingHTTPServer:
    charts_dir = Path(tempfile.mkdtemp(prefix="llmwatch-serve-"))

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
                    with session_factory(cfg.database_url)() as s:
                        report.build(cfg, s, charts_dir)
                    self._send(200, "text/html; charset=utf-8", (charts_dir / "index.html").read_bytes())
                elif parts.path.endswith(".png") and "/" not in parts.path[1:]:
                    chart = charts_dir / parts.path[1:]
                    self._send(200, "image/png", chart.read_bytes()) if chart.is_file() else self._error(
                        404, "no such chart"
                    )
                else:
                    records = api(cfg, parts.path, query)
                    if records is None:
                        self._error(404, f"no such page: {parts.path}")
                        return
                    body = dumps(records)
                    self._send(200, "application/json; charset=utf-8", body.encode())
            except ValueError as exc:  # a filter that does not parse, or a value nothing knows
                self._error(400, str(exc))

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

    return ThreadingHTTPServer((host, port), Handler)
