"""``llmwatch serve``: the report's page live, and a read-only JSON API with
the CLI's filters, on localhost. Standard library only; it reads the same
database the CLI does (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from db.engine import session_factory
from llmwatch import report, views
from llmwatch.config import Settings
from llmwatch.output import dumps


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    from datetime import UTC

    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def api(cfg: Settings, path: str, q: dict[str, str]) -> list[dict[str, Any]] | None:
    """The records of one API path with its filters; None for an unknown path."""
    with session_factory(cfg.database_url)() as s:
        if path == "/api/prices":
            from llmwatch.freshness import Limits

            return views.prices_view(
                s,
                provider=q.get("provider"),
                model=q.get("model"),
                at=_when(q.get("at")),
                source=q.get("source"),
                limits=Limits.of(cfg),
            )
        if path == "/api/events":
            return views.events_view(
                s,
                type_=q.get("type"),
                provider=q.get("provider") or q.get("company"),
                since=_when(q.get("since")),
                source=q.get("source"),
                model=q.get("model"),
            )
        if path == "/api/funding":
            return views.funding_view(s, company=q.get("company"), since=_when(q.get("since")), names=cfg.names)
        if path == "/api/claims":
            return views.claims_view(cfg, s, at=_when(q.get("at")))
        if path == "/api/sources":
            return views.sources_view(cfg, s)
    return None


def make_server(cfg: Settings, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    charts_dir = Path(tempfile.mkdtemp(prefix="llmwatch-serve-"))

    class Handler(BaseHTTPRequestHandler):
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
            except ValueError as exc:  # a filter that does not parse
                self._error(400, str(exc))

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            self._send(status, "application/json", json.dumps({"error": message}).encode())

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)
