"""Distributed crawling on Redis (scrapy-redis): ``llmwatch enqueue`` pushes a
run's start requests to Redis; any number of ``llmwatch worker`` processes,
on any machines, take them, share one request queue and one de-duplication
set, and store into the shared database.

De-duplication is per run: a request's fingerprint includes its run tag, so a
page is fetched once per run however many workers there are, and fetched
again by the next run. The fingerprint set expires (``[redis] dupefilter_ttl``)
so it never grows without end.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.settings import Settings as ScrapySettings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.spiders import RedisSpider
from w3lib.url import canonicalize_url

from crawler import registry
from crawler.base import PriceSpider, conditional
from crawler.options import Options

log = logging.getLogger(__name__)


def keys(prefix: str) -> dict[str, str]:
    return {
        "start": f"{prefix}:start_urls",
        "requests": f"{prefix}:requests",
        "dupefilter": f"{prefix}:dupefilter",
    }


class RedisUnreachable(RuntimeError):
    """The queue cannot be reached: nothing was queued or taken (one line for the user)."""


def redis_client(cfg: Options) -> Any:
    """A client of ``[redis] url`` that has answered a PING (else ``RedisUnreachable``)."""
    import redis

    url = cfg.raw["redis"]["url"]
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        scheme, _, rest = url.partition("://")
        shown = f"{scheme}://{rest.rpartition('@')[2]}"  # never a password
        raise RedisUnreachable(f"Redis at {shown} cannot be reached: {exc}") from None
    return client


def enqueue(cfg: Options, sources: list[str], urls: dict[str, list[str]] | None = None) -> tuple[str, int]:
    """Push the start requests of ``sources`` (all when empty) for one run; returns its tag and count."""
    from db import queries
    from db.engine import session_factory

    names = list(sources) or list(registry.sources())
    for name in names:
        registry.get(name)
    start_urls = {**(cfg.crawl.get("urls") or {}), **(urls or {})}
    tag = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    pricing = [n for n in names if registry.get(n).kind == "pricing"]
    with session_factory(cfg.database_url)() as session:
        known = {url: (etag, modified) for url, etag, modified in session.execute(queries.validators(pricing))}
    payloads = []
    for name in names:
        for url in start_urls.get(name) or registry.get(name).start_urls:
            etag, modified = known.get(url, (None, None))
            meta = {"llmwatch_source": name, "llmwatch_run": tag, "etag": etag, "last_modified": modified}
            payloads.append(json.dumps({"url": url, "meta": meta}))
    client = redis_client(cfg)
    for start in range(0, len(payloads), 1000):
        client.rpush(keys(cfg.raw["redis"]["prefix"])["start"], *payloads[start : start + 1000])
    return tag, len(payloads)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared fingerprint set, with the run tag in each fingerprint and an expiry."""

    ttl = 86_400

    @classmethod
    def from_spider(cls, spider: scrapy.Spider) -> RunDupeFilter:
        from scrapy_redis.connection import get_redis_from_settings

        found = cls(get_redis_from_settings(spider.settings), key=spider.settings["SCHEDULER_DUPEFILTER_KEY"])
        found.ttl = spider.settings.getint("LLMWATCH_DUPEFILTER_TTL", cls.ttl)
        return found

    def request_seen(self, request: scrapy.Request) -> bool:
        seen = super().request_seen(request)
        self.server.expire(self.key, self.ttl)
        return bool(seen)

    def request_fingerprint(self, request: scrapy.Request) -> str:
        run = request.meta.get("llmwatch_run", "")
        return hashlib.sha1(f"{run} {request.method} {canonicalize_url(request.url)}".encode()).hexdigest()


class WorkerSpider(RedisSpider, PriceSpider):
    """Takes any source's requests from Redis; each page is stored under the source that asked for it."""

    name = "llmwatch-worker"
    kind = "worker"

    async def start(self) -> Any:
        for request in self.next_requests():  # what is queued now; the rest as the spider idles
            yield request

    def make_request_from_data(self, data: bytes) -> scrapy.Request | list[scrapy.Request]:
        try:
            payload = json.loads(data)
            url, meta = payload["url"], dict(payload.get("meta") or {})
            spider = registry.get(meta["llmwatch_source"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored a queued request that is not llmwatch's: %s (%s)", data[:200], exc)
            return []
        headers, extra = conditional(meta.get("etag"), meta.get("last_modified"))
        meta.update(extra)
        if spider.render and self.settings.getbool("LLMWATCH_RENDERING"):
            from crawler.render import request_meta

            meta.update(request_meta(spider.render_wait))
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta, headers=headers)

    def parse(self, response: Response, **kwargs: Any) -> Any:
        from crawler.base import page_from_response, warc_of
        from crawler.items import FetchedPage

        yield FetchedPage(response.meta["llmwatch_source"], page_from_response(response), *warc_of(response))

    def failed(self, failure: Any) -> Any:
        for item in super().failed(failure):
            item.source = failure.request.meta["llmwatch_source"]
            yield item


def worker_settings(settings: ScrapySettings, cfg: Options, idle_exit: int) -> None:
    redis = cfg.raw["redis"]
    names = keys(redis["prefix"])
    for key, value in {
        "REDIS_URL": redis["url"],
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,  # one worker closing must not wipe the queue the others share
        "SCHEDULER_QUEUE_KEY": names["requests"],
        "SCHEDULER_DUPEFILTER_KEY": names["dupefilter"],
        "DUPEFILTER_CLASS": "crawler.distributed.RunDupeFilter",
        "REDIS_START_URLS_KEY": names["start"],
        "REDIS_START_URLS_BATCH_SIZE": int(settings.getint("CONCURRENT_REQUESTS")),
        "MAX_IDLE_TIME_BEFORE_CLOSE": idle_exit,
        "LLMWATCH_DUPEFILTER_TTL": int(redis["dupefilter_ttl"]),
    }.items():
        settings.set(key, value, priority="cmdline")
