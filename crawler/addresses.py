"""No internal fetches: a request (or a redirect, which comes through the downloader
middlewares again) to a loopback, private, link-local (cloud metadata at
169.254.169.254), multicast or otherwise reserved address is refused before it is
sent, and recorded as a failed page with the reason. ``[crawl] allow_hosts`` admits
names, addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``mirror.lan``) for
local mirrors and tests.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Coroutine
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def internal(address: Address) -> bool:
    """Whether an address is one a price tracker has no business fetching from."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


class Allowed:
    """``[crawl] allow_hosts``: host names, addresses and networks that may be fetched anyway."""

    def __init__(self, entries: list[str]) -> None:
        self.names = {e.lower() for e in entries if not _network(e)}
        self.networks = [n for n in (_network(e) for e in entries) if n is not None]

    def __call__(self, host: str, address: Address | None = None) -> bool:
        if host.lower() in self.names:
            return True
        return address is not None and any(address in n for n in self.networks)


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


class InternalAddressMiddleware:
    """Refuses requests to internal addresses, after the host name is resolved (with Scrapy's
    own cached resolver, so the address checked is the address connected to)."""

    def __init__(self, allowed: Allowed) -> None:
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cfg: Any = crawler.settings.get("LLMWATCH_SETTINGS")
        entries = list((cfg.crawl.get("allow_hosts") if cfg is not None else None) or [])
        return cls(Allowed([str(e) for e in entries]))

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        """Checked at once for an address or an admitted name; a name is resolved first (the
        coroutine Scrapy awaits)."""
        host = urlsplit(request.url).hostname or ""
        if not host or self.allowed(host):
            return None
        try:
            address: Address = ipaddress.ip_address(host)
        except ValueError:
            return self._resolved(host)
        self._check(host, address)
        return None

    async def _resolved(self, host: str) -> None:
        from twisted.internet import reactor

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
        except Exception:
            return
        self._check(host, ipaddress.ip_address(resolved))

    def _check(self, host: str, address: Address) -> None:
        if internal(address) and not self.allowed(host, address):
            raise IgnoreRequest(f"refused: {host} is an internal address ({address}); [crawl] allow_hosts admits it")
