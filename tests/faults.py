"""A fault-injecting HTTP server on 127.0.0.1 for the reliability tests.

Each path misbehaves in one way; ``/ok`` serves a real pricing page. Counts of
requests per path let tests check retries.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = (Path(__file__).parent / "fixtures" / "moonshot" / "2025-12-20_zh_crawler-markdown.md").read_bytes()


class Faults(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        Faults.hits[path] += 1
        if path == "/robots.txt":
            return self._send(404, b"")
        if path == "/ok":
            return self._send(200, PAGE)
        if path == "/gbk":  # a Chinese page in GBK that says it is UTF-8
            return self._send(200, PAGE.decode("utf-8").encode("gbk", errors="replace"), "text/markdown; charset=utf-8")
        if path == "/timeout":
            time.sleep(4)
            return self._send(200, PAGE)
        if path == "/reset":  # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return self._hang_up()
        if path == "/flaky":  # the page first, then failures
            return self._send(200, PAGE) if Faults.hits[path] == 1 else self._send(500, b"down")
        if path == "/429":  # first "wait a second", then the page
            if Faults.hits[path] == 1:
                return self._send(429, b"slow down", extra={"Retry-After": "1"})
            return self._send(200, PAGE)
        if path == "/500":
            return self._send(500, b"oops")
        if path.startswith("/loop"):
            n = int(path.removeprefix("/loop") or 0)
            return self._send(302, b"", extra={"Location": f"/loop{n + 1}"})
        if path == "/truncated":  # says 100 kB, sends 1 kB, hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/markdown; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(PAGE[:1000])
            self.wfile.flush()
            return self._hang_up()
        if path == "/huge":  # 50 MB, more than the 20 MB limit
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(50 * 16):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the crawler gave up on it, as it should
            return None
        return self._send(404, b"")

    def _hang_up(self) -> None:
        self.close_connection = True
        self.wfile.close()
        self.rfile.close()
        self.connection.close()

    def _send(
        self, status: int, body: bytes, ctype: str = "text/markdown; charset=utf-8", extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the crawler hanging up on a misbehaving page is the point, not an error


def start() -> tuple[ThreadingHTTPServer, str]:
    Faults.hits.clear()
    server = Server(("127.0.0.1", 0), Faults)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
