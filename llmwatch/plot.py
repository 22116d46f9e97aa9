"""Price history as step charts (matplotlib, no display needed).

One line per model, in CNY per 1M tokens. Where sources disagree, a line
follows the most authoritative source that had a price at each moment (the
provider's own page, then a reseller, a community table, an aggregator), so a
line moves when the market moves, not when the evidence changes hands.
Price changes are marked on the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler import registry
from db.models import Event, PriceObservation, Source
from pipeline.extract.units import fmt


@dataclass
class Series:
    model: str
    #: (from, CNY per 1M tokens, source) steps, oldest first
    steps: list[tuple[datetime, Decimal, str]] = field(default_factory=list)
    #: the price_changed events of the model: (when, label)
    changes: list[tuple[datetime, str]] = field(default_factory=list)
    #: the last time any source saw a price of the model
    until: datetime | None = None


def _authority(source: str, provider: str) -> int:
    return registry.authority(source, provider) if source in registry.sources() else -1


def series(session: Session, models: list[str], component: str = "input") -> list[Series]:
    """The price line of each model (exact ids), from every source's observations."""
    out = []
    for model in models:
        rows = session.execute(
            select(PriceObservation, Source.name)
            .join(Source, Source.id == PriceObservation.source_id)
            .where(
                PriceObservation.model == model,
                PriceObservation.component == component,
                PriceObservation.condition == "",
                PriceObservation.suspect.is_(None),
            )
            .order_by(PriceObservation.first_seen)
        ).all()
        if not rows:
            continue
        # moments at which some source's price began or ended
        moments = sorted({o.first_seen for o, _ in rows} | {o.ended_at for o, _ in rows if o.ended_at})
        line = Series(model, until=max(o.last_seen for o, _ in rows))
        for moment in moments:
            live = [(o, s) for o, s in rows if o.first_seen <= moment and (o.ended_at is None or o.ended_at > moment)]
            if not live:
                continue
            # the most authoritative source; on a tie its page in CNY (no conversion), then the newest
            obs, source = max(
                live, key=lambda r: (_authority(r[1], r[0].provider), r[0].currency == "CNY", r[0].first_seen)
            )
            value = obs.cny_per_mtok
            if line.steps and line.steps[-1][1] == value:
                continue
            line.steps.append((moment, value, source))
        for ev in session.scalars(
            select(Event)
            .where(
                Event.type == "price_changed", Event.model == model, Event.component == component, Event.condition == ""
            )
            .order_by(Event.occurred_at)
        ):
            pct = (
                f" ({'+' if ev.change_pct and ev.change_pct > 0 else ''}{fmt(ev.change_pct)}%)" if ev.change_pct else ""
            )
            line.changes.append((ev.occurred_at, f"{fmt(ev.new)} {ev.currency}{pct}"))  # type: ignore[arg-type]
        out.append(line)
    return out


def cheapest(
    session: Session, n: int, component: str = "input", provider: str | None = None, *, paid: bool = False
) -> list[str]:
    """The ``n`` models with the lowest current price (their most authoritative one); ``paid``: free ones left out."""
    stmt = (
        select(PriceObservation, Source.name)
        .join(Source, Source.id == PriceObservation.source_id)
        .where(
            PriceObservation.current.is_(True),
            PriceObservation.component == component,
            PriceObservation.condition == "",
        )
    )
    if provider:
        stmt = stmt.where(PriceObservation.provider == provider)
    best: dict[str, tuple[int, Decimal]] = {}
    for obs, source in session.execute(stmt):
        rank = _authority(source, obs.provider)
        if obs.model not in best or rank > best[obs.model][0]:
            best[obs.model] = (rank, obs.cny_per_mtok)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][1], kv[0]))
    return [m for m, (_, price) in ranked if price > 0 or not paid][:n]


def models_of(session: Session, provider: str, component: str = "input") -> list[str]:
    return list(
        session.scalars(
            select(PriceObservation.model)
            .distinct()
            .where(PriceObservation.provider == provider, PriceObservation.component == component)
            .order_by(PriceObservation.model)
        )
    )


def figure(lines: list[Series], *, title: str = "", until: datetime | None = None) -> Any:
    """A step chart of ``lines``; the line of the latest price runs on to ``until``."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display here, none needed
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5.5), dpi=100)
    ax = fig.add_subplot()
    end = until or max(
        (t for line in lines for t in [line.until, *(w for w, _ in line.changes)] if t is not None), default=None
    )
    for line in lines:
        xs = [t for t, _, _ in line.steps]
        ys = [float(v) for _, v, _ in line.steps]
        if end is not None and xs and end > xs[-1]:
            xs, ys = [*xs, end], [*ys, ys[-1]]
        (drawn,) = ax.step(xs, ys, where="post", label=line.model, linewidth=1.8)
        for when, label in line.changes:
            at = max((i for i, x in enumerate(xs) if x <= when), default=0)
            ax.annotate(
                label, (when, ys[at]), textcoords="offset points", xytext=(4, 6), fontsize=8, color=drawn.get_color()
            )
    ax.set_ylabel("CNY per 1M tokens")
    ax.set_title(title or "Price history")
    ax.grid(True, alpha=0.3)
    if lines:
        ax.legend(fontsize=8, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
