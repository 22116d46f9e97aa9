"""Alert channels: Apprise URLs (Slack, DingTalk, WeCom, Feishu/Lark,
Telegram, email, ntfy, JSON webhooks...) plus ``file://PATH`` (JSON lines)
and ``stdout://``.

Channel URLs carry secrets. They are read from the configuration with
``${VAR}`` taken from the environment, used only to send, and shown or stored
only as a redacted label and a hash.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from llmwatch.config import label

#: Apprise schemes that post to a URL of the user's: they take extra headers (``+Name=value``)
#: and extra payload fields (``:name=value``), so the message id reaches the receiver as both
WEBHOOKS = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})


def timed_out(error: str) -> bool:
    """Whether a failed send ran out of time: the receiver may have the message anyway."""
    return "timed out" in error.lower() or "timeout" in error.lower()


@dataclass
class Channel:
    url: str
    #: seconds to connect and, again, to wait for the answer
    timeout: float = 10

    @property
    def label(self) -> str:
        return label(self.url)

    def send(self, title: str, body: str, payload: dict[str, Any] | None = None) -> str | None:
        """Deliver one message; None when it went through, else why not (secrets redacted).
        ``payload["message_id"]`` goes out as the ``Idempotency-Key`` header and a payload field
        of webhooks, beside the event ids, for receivers to drop a message they already have."""
        scheme = self.url.split("://", 1)[0].lower()
        try:
            if scheme == "stdout":
                sys.stdout.write(f"{title}\n{body}\n\n")
                return None
            if scheme == "file":
                path = Path(urlsplit(self.url).path)
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"title": title, "body": body, **(payload or {})}, ensure_ascii=False) + "\n")
                return None
            return self._apprise(title, body, payload or {})
        except OSError as exc:
            return self._redact(f"{type(exc).__name__}: {exc}")

    def _apprise(self, title: str, body: str, payload: dict[str, Any]) -> str | None:
        import apprise

        _quiet_apprise()

        notifier = apprise.Apprise()
        if not notifier.add(self._with(payload)):
            return f"not a valid Apprise URL: {self.label}"
        with apprise.LogCapture(level=apprise.logging.DEBUG) as logs:
            ok = notifier.notify(title=title, body=body)
        if ok:
            return None
        lines = [line.strip() for line in logs.getvalue().splitlines() if line.strip()]
        detail = " ".join(line for line in lines if " - WARNING - " in line or " - ERROR - " in line)[-500:]
        if any("Socket Exception" in line and "timed out" in line for line in lines):
            detail += " (timed out)"  # Apprise says so only at DEBUG level: the outcome is unknown
        return self._redact(detail or "delivery failed")

    def _with(self, payload: dict[str, Any]) -> str:
        """The URL with the send timeout and, for a webhook, the message id and event ids."""
        extra = {"cto": f"{self.timeout:g}", "rto": f"{self.timeout:g}"}
        if self.url.split("://", 1)[0].lower() in WEBHOOKS:
            if payload.get("message_id"):
                extra["+Idempotency-Key"] = str(payload["message_id"])
                extra[":message_id"] = str(payload["message_id"])
            if payload.get("events"):
                extra[":events"] = ",".join(str(e) for e in payload["events"])
        return self.url + ("&" if "?" in self.url else "?") + urlencode(extra)

    def _redact(self, text: str) -> str:
        """Every piece of the URL that could be a secret, out of a message."""
        parts = urlsplit(self.url)
        secrets = {self.url, parts.netloc, parts.password or "", parts.path.strip("/"), parts.query}
        secrets |= set(re.split(r"[/:@?&=]", self.url))
        for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


@cache
def _quiet_apprise() -> None:
    """Apprise's own log stays off the terminal: what went wrong is the channel's (redacted) answer."""
    logging.getLogger("apprise").addHandler(logging.NullHandler())
    logging.getLogger("apprise").propagate = False
