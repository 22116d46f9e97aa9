"""Local HTTP servers for the tests: a handler base that keeps the request log off the
test output and sends a whole answer in one call, and a server on 127.0.0.1 for the
length of a ``with`` block (or a fixture)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes | None = None, content_type: str | None = None, **headers: str) -> None:
        """Status, headers, and the body with its length (no body: no length, as a bare error)."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler] | HTTPServer) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a server answering with ``handler`` (or of ``handler``
    itself, an already made server), shut down at the end of the block."""
    server = handler if isinstance(handler, HTTPServer) else ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
