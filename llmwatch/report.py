"""``llmwatch report``: the market as one static page (Jinja2, autoescaped:
scraped text always shows as text), with its charts beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from llmwatch import plot, views
from llmwatch.config import Settings
from llmwatch.output import money_label
from pipeline.extract.alerts import is_web
from pipeline.extract.units import fmt

#: the models of the July 2024 price war, for the headline chart
ARTICLE_MODELS = ["deepseek-chat", "doubao-pro-32k", "qwen-long", "ernie-speed", "glm-4-air", "moonshot-v1-8k"]


def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    env.tests["web"] = is_web  # only http(s) addresses become links: a feed's javascript: stays text
    env.filters["num"] = lambda v: "" if v is None else fmt(Decimal(str(v)))
    env.globals["money"] = money_label
    env.filters["when"] = lambda v: (
        "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v)
    )
    return env


def context(cfg: Settings, s: Session, charts: list[dict[str, str]]) -> dict[str, Any]:
    from llmwatch.freshness import Limits

    prices = views.prices_view(s, limits=Limits.of(cfg))
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "database": cfg.database_url.split("?")[0].split("@")[-1].rsplit("/", 1)[-1],  # a name, never credentials
        "prices": prices,
        "providers": sorted({p["provider"] for p in prices}),
        "changes": list(reversed(views.events_view(s, newest=100))),
        "funding": views.funding_view(s, names=cfg.names),
        "claims": views.claims_view(cfg, s),
        "sources": views.sources_view(cfg, s),
        "charts": charts,
    }


def charts(s: Session, out: Path) -> list[dict[str, str]]:
    """The headline charts as PNG files in ``out``."""
    made = []
    for name, title, models in (
        ("price-war.png", "The price war's models: input, CNY per 1M tokens", ARTICLE_MODELS),
        ("cheapest.png", "The 8 cheapest paid models now: input, CNY per 1M tokens", plot.cheapest(s, 8, paid=True)),
    ):
        lines = plot.series(s, models)
        if lines:
            plot.figure(lines, title=title).savefig(out / name)
            made.append({"file": name, "title": title})
    return made


def build(cfg: Settings, s: Session, out: Path) -> Path:
    """``index.html``, its charts, and ``feed.atom`` of the same recent events."""
    from llmwatch.feed import atom

    out.mkdir(parents=True, exist_ok=True)
    ctx = context(cfg, s, charts(s, out))
    index = out / "index.html"
    index.write_text(environment().get_template("report.html").render(**ctx), encoding="utf-8")
    (out / "feed.atom").write_bytes(atom(ctx["changes"]))
    return index
