"""Alert channels: Apprise URLs (Slack, DingTalk, WeCom, Feishu/Lark,
Telegram, email, ntfy, JSON webhooks...) plus ``file://PATH`` (JSON lines)
and ``stdout://``.

Channel URLs carry secrets. They are read from the configuration with
``${VAR}`` taken from the environment, used only to send, and shown or stored
only as a redacted label and a hash.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmwatch.config import ConfigError, Settings
from pipeline.extract.alerts import Rule, RuleError, rules_from_config
from pipeline.store.outbox import Outbox, channel_key

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(url: str, env: Mapping[str, str] | None = None) -> str:
    """``dingtalk://${DINGTALK_TOKEN}/`` -> the URL with the secret from the environment."""
    env = os.environ if env is None else env

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise ConfigError(f"an alert channel uses ${{{m.group(1)}}}, which is not set in the environment")
        return env[m.group(1)]

    return _VAR.sub(sub, url)


def label(url: str) -> str:
    """A channel as people may see it: no tokens, no passwords."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("file", "stdout"):
        return url if scheme == "stdout" else f"file://{urlsplit(url).path}"
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        return f"{scheme}://(invalid URL)"
    private = plugin.url(privacy=True)
    return private.split("?", 1)[0]


def rules(settings: Settings) -> list[Rule]:
    raw = dict(settings.alerts)
    try:
        raw["channels"] = [expand(u) for u in raw.get("channels") or []]
        raw["rules"] = [{**r, "channels": [expand(u) for u in r.get("channels") or []]} for r in raw.get("rules") or []]
        return rules_from_config(raw)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None


def outbox(settings: Settings) -> Outbox:
    return Outbox(
        rules(settings), failures_before_alert=int(settings.raw["health"]["failures_before_alert"]), label=label
    )


def configured(settings: Settings) -> dict[str, str]:
    """channel key -> URL, for every channel the configuration names."""
    return {channel_key(url): url for rule in rules(settings) for url in rule.channels}


@dataclass
class Channel:
    url: str

    @property
    def label(self) -> str:
        return label(self.url)

    def send(self, title: str, body: str, payload: dict[str, Any] | None = None) -> str | None:
        """Deliver one message; None when it went through, else why not (secrets redacted)."""
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
            return self._apprise(title, body)
        except OSError as exc:
            return self._redact(f"{type(exc).__name__}: {exc}")

    def _apprise(self, title: str, body: str) -> str | None:
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            return f"not a valid Apprise URL: {self.label}"
        with apprise.LogCapture(level=apprise.logging.WARNING) as logs:
            ok = notifier.notify(title=title, body=body)
        if ok:
            return None
        detail = " ".join(line.strip() for line in logs.getvalue().splitlines() if line.strip())[-500:]
        return self._redact(detail or "delivery failed")

    def _redact(self, text: str) -> str:
        """Every piece of the URL that could be a secret, out of a message."""
        parts = urlsplit(self.url)
        secrets = {self.url, parts.netloc, parts.password or "", parts.path.strip("/"), parts.query}
        secrets |= set(re.split(r"[/:@?&=]", self.url))
        for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
