"""A local test site for benchmarks and the distributed-crawl test: N pricing
pages shaped like the providers' (a ~20 KB server-rendered page, one 40-row
price table with Chinese headers and 元/百万tokens units), served on
127.0.0.1 with ETag and Last-Modified, answering 304 when they match; and M
news reports (``bench/news.py``) as an RSS feed (``/news/feed.xml``) and
article pages (``/news/<k>.html``).

    python -m bench.site --pages 2000 --port 8900 [--changed 10] [--articles 1000]

``--changed K`` serves version 1 of pages 0..K-1 (other prices, new ETag):
what a second run should see as exactly those pages' price changes.
"""

from __future__ import annotations

import argparse
import hashlib
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.news import article_html, feed_xml, plan

FAMILIES = ("qwen", "glm", "doubao", "deepseek", "ernie", "hunyuan", "moonshot", "abab")
FILLER = "本文介绍模型服务的计费方式、计费项与单价，价格以实际下单结果为准。" * 6


def price(page: int, row: int, version: int, kind: int) -> str:
    digest = hashlib.blake2b(f"{page}:{row}:{version}:{kind}".encode(), digest_size=4).digest()
    return f"{int.from_bytes(digest, 'big') % 5000 / 100:.2f}"


def page_html(i: int, version: int = 0) -> bytes:
    """A documentation page as providers serve them: a navigation sidebar, prose, and the price
    table with its cells wrapped in markup (links, code, spans with classes)."""
    rows = []
    for j in range(40):
        model = f"{FAMILIES[(i + j) % len(FAMILIES)]}-bench-{i}-{j}"
        rows.append(
            f'<tr class="table-row"><td class="cell"><a href="/docs/models/{model}"><code>{model}</code></a></td>'
            f'<td class="cell"><span class="ctx">{(j % 4 + 1) * 32}K</span></td>'
            f'<td class="cell"><span class="price">{price(i, j, version, 0)}</span><span class="unit">元</span></td>'
            f'<td class="cell"><span class="price">{price(i, j, version, 1)}</span><span class="unit">元</span></td>'
            "</tr>"
        )
    body = "\n".join(rows)
    nav = "".join(f'<li class="nav-item"><a class="nav-link" href="/docs/{k}">文档 {k}</a></li>' for k in range(60))
    notes = "".join(f'<p class="doc-p">{FILLER} 第{k}节。</p>' for k in range(3))
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>模型价格 {i}</title>'
        '<link rel="stylesheet" href="/static/docs.css"><script src="/static/docs.js" defer></script></head>'
        f'<body><div class="layout"><aside class="sidebar"><ul class="nav">{nav}</ul></aside>'
        f'<main class="content"><h1>模型服务价格 {i}</h1>{notes}'
        '<div class="table-wrapper"><table class="price-table"><thead><tr><th>模型名称</th><th>上下文长度</th>'
        "<th>输入价格（元/百万tokens）</th><th>输出价格（元/百万tokens）</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>{notes}</main></div></body></html>"
    ).encode()


def etag(page: int, version: int = 0) -> str:
    """The ETag the site sends for version ``version`` of page ``page``."""
    return f'"{page}-{version}"'


def handler(pages: int, changed: int, log: str | None = None, articles: int = 0) -> type[BaseHTTPRequestHandler]:
    hits = open(log, "a", buffering=1) if log else None  # noqa: SIM115 - open for the server's life
    reports = plan(articles)

    class Site(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if hits is not None:  # one line per request: which page, and whether it was conditional
                hits.write(f"{self.path} {self.headers.get('If-None-Match') or '-'}\n")
            name = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/news/"):
                self._news(name)
                return
            if not (self.path.startswith("/p/") and name.endswith(".html") and name[:-5].isdigit()):
                self._send(404, b"")
                return
            i = int(name[:-5])
            if i >= pages:
                self._send(404, b"")
                return
            version = 1 if i < changed else 0
            tag = etag(i, version)
            if self.headers.get("If-None-Match") == tag:
                self._send(304, b"", tag)
                return
            self._send(200, page_html(i, version), tag)

        def _news(self, name: str) -> None:
            if name == "feed.xml":
                base = f"http://{self.headers.get('Host', '127.0.0.1')}"
                self._send(200, feed_xml(base, reports), kind="application/rss+xml; charset=utf-8")
            elif name.endswith(".html") and name[:-5].isdigit() and int(name[:-5]) < len(reports):
                self._send(200, article_html(*reports[int(name[:-5])]))
            else:
                self._send(404, b"")

        def _send(
            self, status: int, body: bytes, tag: str | None = None, kind: str = "text/html; charset=utf-8"
        ) -> None:
            self.send_response(status)
            if status == 200:
                self.send_header("Content-Type", kind)
            if tag:
                self.send_header("ETag", tag)
                self.send_header("Last-Modified", "Mon, 01 Sep 2025 00:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Site


def urls(base: str, pages: int) -> list[str]:
    return [f"{base}/p/{i}.html" for i in range(pages)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """The site in its own process (the crawl gets the other core); a context manager."""

    def __init__(
        self, pages: int, changed: int = 0, port: int | None = None, log: str | None = None, articles: int = 0
    ) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "bench.site", "--pages", str(pages), "--port", str(self.port)]
        cmd += ["--changed", str(changed), "--articles", str(articles), *(["--log", log] if log else [])]
        self.proc = subprocess.Popen(cmd, cwd=Path(__file__).parent.parent)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the bench site did not start")

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--port", type=int, default=8900)
    ap.add_argument("--changed", type=int, default=0)
    ap.add_argument("--log", help="append each request's path to this file")
    ap.add_argument("--articles", type=int, default=0, help="news reports in /news/feed.xml")
    args = ap.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.pages, args.changed, args.log, args.articles))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
