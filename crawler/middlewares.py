"""Downloader middlewares: every response goes to a WARC file (one per crawl
run), and ``--replay`` answers requests from WARC files instead of the net."""

from __future__ import annotations

import logging
import zlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

SOURCE_HEADER = "WARC-X-Llmwatch-Source"
REDIRECTS_HEADER = "WARC-X-Llmwatch-Redirected-From"
#: headers that describe the wire, not the decoded body we keep
_WIRE_HEADERS = {b"content-encoding", b"content-length", b"transfer-encoding"}


class _Archive:
    """One WARC file, shared by every spider of a run (one process, one reactor
    thread), so records never interleave and offsets stay true."""

    open_files: ClassVar[dict[Path, _Archive]] = {}

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("ab")
        self.writer = WARCWriter(self.file, gzip=True)
        self.users = 0

    @classmethod
    def acquire(cls, path: Path) -> _Archive:
        archive = cls.open_files.get(path) or cls.open_files.setdefault(path, cls(path))
        archive.users += 1
        return archive

    def release(self, path: Path) -> None:
        self.users -= 1
        if self.users == 0:
            self.file.close()
            del self.open_files[path]


class ArchiveMiddleware:
    """Writes each response (decoded body, status, headers) as a WARC record
    and tells the item which file and offset hold it."""

    def __init__(self, crawler: Crawler, path: str | None) -> None:
        self.crawler = crawler
        self.path = Path(path) if path else None
        self._archive: _Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler, crawler.settings.get("LLMWATCH_WARC_PATH"))
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        # the response is not yet tied to its request here: use request.meta
        if "replayed_from" in request.meta:
            request.meta["warc"] = request.meta["replayed_from"]
            return response
        fetched = datetime.now(UTC).replace(microsecond=0)  # WARC-Date has seconds; replays match exactly
        request.meta["fetched_at"] = fetched
        if self.path is None:
            return response
        if self._archive is None:
            self._archive = _Archive.acquire(self.path)
        writer, file = self._archive.writer, self._archive.file
        headers = [
            (k.decode("latin-1"), b", ".join(v).decode("latin-1"))
            for k, v in response.headers.items()
            if k.lower() not in _WIRE_HEADERS
        ]
        http = StatusAndHeaders(f"{response.status} {_reason(response.status)}", headers, protocol="HTTP/1.1")
        spider = self.crawler.spider
        extra = {"WARC-Date": fetched.strftime("%Y-%m-%dT%H:%M:%SZ"), SOURCE_HEADER: spider.name if spider else ""}
        redirected = request.meta.get("redirect_urls")
        if redirected:
            extra[REDIRECTS_HEADER] = " ".join(redirected)
        record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=http, warc_headers_dict=extra
        )
        offset = file.tell()
        writer.write_record(record)
        record.raw_stream.close()  # warcio spools the record to compute its digests
        file.flush()  # a killed crawl keeps every record written so far
        request.meta["warc"] = (str(self.path), offset)
        return response

    def close(self) -> None:
        if self._archive is not None and self.path is not None:
            self._archive.release(self.path)
            self._archive = None


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class ArchivedResponse:
    __slots__ = ("body", "fetched_at", "headers", "offset", "path", "source", "status", "url")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def read_archive(path: str | Path) -> dict[str, ArchivedResponse]:
    """URL -> the last archived response for it, from a WARC file or a folder of them."""
    root = Path(path)
    if root.is_dir():
        # the folder's own files: a link pointing out of it is not followed
        files = sorted(f for f in root.glob("*.warc*") if f.resolve().parent == root.resolve() and f.is_file())
    else:
        files = [root]
    index: dict[str, ArchivedResponse] = {}
    for file in files:
        with file.open("rb") as fh:
            try:
                _index_file(file, fh, index)
            except (ArchiveLoadFailed, EOFError, OSError, zlib.error) as exc:
                # a crawl killed mid-write leaves a torn last record: keep what came before it
                log.warning("%s: read up to its last complete record (%s)", file, exc)
    return index


def _index_file(file: Path, fh: Any, index: dict[str, ArchivedResponse]) -> None:
    """Index one WARC file's responses by URL (and by the URLs that redirected to them)."""
    it = ArchiveIterator(fh)
    for record in it:
        if record.rec_type != "response":
            continue
        body = record.content_stream().read()  # before get_record_offset(), which skips the rest
        if getattr(record.raw_stream, "limit", 0):  # the file ended inside this record: torn, not served
            raise ArchiveLoadFailed(f"torn record of {record.rec_headers.get_header('WARC-Target-URI')}")
        offset = it.get_record_offset()
        url = record.rec_headers.get_header("WARC-Target-URI")
        status = int(record.http_headers.get_statuscode() or 200)
        entry = ArchivedResponse(
            url=url,
            status=status,
            headers=[(k, v) for k, v in record.http_headers.headers],
            body=body,
            fetched_at=datetime.strptime(record.rec_headers.get_header("WARC-Date")[:19], "%Y-%m-%dT%H:%M:%S").replace(
                tzinfo=UTC
            ),
            source=record.rec_headers.get_header(SOURCE_HEADER),
            path=str(file),
            offset=offset,
        )
        index[url] = entry
        for earlier in (record.rec_headers.get_header(REDIRECTS_HEADER) or "").split():
            index.setdefault(earlier, entry)


class ReplayMiddleware:
    """With ``LLMWATCH_REPLAY`` set, no request reaches the network."""

    def __init__(self, path: str | None) -> None:
        self.index = read_archive(path) if path else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.get("LLMWATCH_REPLAY"))

    def process_request(self, request: Request) -> Response | None:
        if self.index is None:
            return None
        hit = self.index.get(request.url) if request.url.startswith(("http://", "https://")) else None
        if hit is None:
            if request.url.endswith("/robots.txt"):
                return Response(request.url, status=404, request=request)
            raise IgnoreRequest(f"not in the archive: {request.url}")
        headers = Headers(hit.headers)
        cls = responsetypes.from_args(headers=headers, url=hit.url, body=hit.body)
        request.meta["replayed_from"] = (hit.path, hit.offset)
        request.meta["fetched_at"] = hit.fetched_at
        return cls(url=hit.url, status=hit.status, headers=headers, body=hit.body, request=request)


class RetryAfterMiddleware:
    """A 429 or 503 with ``Retry-After``: slow the whole domain down for that long
    (the download slot's delay, so the reactor never blocks), then retry.
    Scrapy's own retry middleware still counts and limits the attempts."""

    MAX_WAIT = 120.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503) or b"Retry-After" not in response.headers:
            return response
        try:
            wait = float(response.headers[b"Retry-After"].decode())
        except ValueError:
            return response  # an HTTP date: leave it to the ordinary retry back-off
        engine = self.crawler.engine
        slot_key = request.meta.get("download_slot") or urlsplit(request.url).hostname or ""
        slot = engine.downloader.slots.get(slot_key) if engine is not None else None
        if slot is not None:
            slot.delay = max(slot.delay, min(wait, self.MAX_WAIT))
        log.info("%s asked to wait %.0f s (HTTP %s)", slot_key, wait, response.status)
        return response
