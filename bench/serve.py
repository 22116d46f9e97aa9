"""``llmwatch serve`` under load, on a database of the demo's real pages (bench.cli's):
2,000 requests at concurrency 20 to ``/`` (the report page) and to ``/api/prices``, from
local client threads against the server in its own process, on 127.0.0.1 only.

Prints requests per second and the p50 and p99 latencies of each, and ``ratio: X`` (the
page's requests/s over the API's: the page, built once per database change, should be
served about as fast as the JSON; before that cache each page request rebuilt the report,
0.9 requests/s at concurrency 10 in issue 17's measurement).
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from bench.cli import COMMAND, demo_database

REQUESTS, CONCURRENCY = 2000, 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(port: int, path: str) -> tuple[float, list[float]]:
    def one(_: int) -> float:
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 200, (path, response.status)
        return time.perf_counter() - start

    one(0)  # the first page request builds the page: not part of the figures
    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        times = list(pool.map(one, range(REQUESTS)))
    return REQUESTS / (time.perf_counter() - start), sorted(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        env = demo_database(data)
        port = _free_port()
        server = subprocess.Popen([COMMAND, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            figures = {path: _load(port, path) for path in ("/", "/api/prices")}
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path, (rate, times) in figures.items():
        p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
        print(
            f"{path:<12} {REQUESTS} requests at concurrency {CONCURRENCY}: {rate:.0f} requests/s, "
            f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
        )
    print(f"ratio: {figures['/'][0] / figures['/api/prices'][0]:.2f} (page requests/s / API requests/s)")


if __name__ == "__main__":
    main()
