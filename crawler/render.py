"""Rendering pages that are drawn by JavaScript: scrapy-playwright driving
Debian's Chromium (``apt-get install chromium``). Nothing downloads a browser:
without Chromium the sources that need one are skipped with a clear message."""

from __future__ import annotations

import shutil
from typing import Any

from scrapy.settings import Settings as ScrapySettings

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
NO_BROWSER = (
    "needs a browser to render its pages, and no Chromium was found: "
    "install Debian's (apt-get install chromium) or set [crawl] chromium = PATH"
)
#: what a price page never needs; skipping it makes rendering several times cheaper
_SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def find_chromium(configured: str = "") -> str | None:
    """The configured browser, else Debian's ``chromium`` on PATH."""
    if configured:
        return shutil.which(configured) or None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def enable(settings: ScrapySettings, chromium: str, timeout_s: int) -> None:
    """Route requests marked ``playwright`` through Chromium; the rest stay plain HTTP."""
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": HANDLER, "https": HANDLER})
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="cmdline")
    settings.set(
        "PLAYWRIGHT_LAUNCH_OPTIONS",
        # root in a container has no user namespaces for Chromium's sandbox
        {"executable_path": chromium, "headless": True, "args": ["--no-sandbox", "--disable-dev-shm-usage"]},
        priority="cmdline",
    )
    settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_s * 1000, priority="cmdline")
    settings.set("PLAYWRIGHT_ABORT_REQUEST", skip_resource, priority="cmdline")
    settings.set("LLMWATCH_RENDERING", True, priority="cmdline")


def skip_resource(request: Any) -> bool:
    return request.resource_type in _SKIPPED_RESOURCES


def request_meta(wait_for: str | None) -> dict[str, Any]:
    """Meta of a request to be rendered; waits for ``wait_for`` (CSS) when given."""
    from scrapy_playwright.page import PageMethod

    methods = [PageMethod("wait_for_selector", wait_for, state="attached")] if wait_for else []
    return {"playwright": True, "playwright_page_methods": methods}
