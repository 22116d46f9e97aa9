"""Price history as step charts (matplotlib, no display needed).

One line per model, in CNY per 1M tokens. Where sources disagree, a line
follows the most authoritative source that had a price at each moment (the
provider's own page, then a reseller, a community table, an aggregator), so a
line moves when the market moves, not when the evidence changes hands.
Each change is marked on the step, in CNY. A line ends at the model's last
observation, dashed on to the chart's end when that is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler import catalog
from db.models import PriceObservation, Source
from pipeline.extract.changes import change_pct
from pipeline.extract.units import fmt


@dataclass
class Series:
    model: str
    #: (from, CNY per 1M tokens, source) steps, oldest first
    steps: list[tuple[datetime, Decimal, str]] = field(default_factory=list)
    #: where the line moves: (when, label in CNY and percent)
    changes: list[tuple[datetime, str]] = field(default_factory=list)
    #: the last time any source saw a price of the model
    until: datetime | None = None


def _authority(source: str, provider: str) -> int:
    return catalog.authority(source, provider) if source in catalog.cards() else -1


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
        # each step of the line is a change, marked where the line moves, in CNY (the chart's unit)
        for (_, before, _), (moment, value, _) in zip(line.steps, line.steps[1:], strict=False):
            pct_ = change_pct(before, value)
            pct = f" ({'+' if value > before else ''}{fmt(pct_)}%)" if pct_ is not None else ""
            line.changes.append((moment, f"{fmt(value)} CNY{pct}"))
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
    # the value the model's line shows now: the most authoritative source, its page in CNY, the newest
    best: dict[str, tuple[tuple[int, bool, datetime], Decimal]] = {}
    for obs, source in session.execute(stmt):
        rank = (_authority(source, obs.provider), obs.currency == "CNY", obs.first_seen)
        if obs.model not in best or rank > best[obs.model][0]:
            best[obs.model] = (rank, obs.cny_per_mtok)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][1], kv[0]))
    return [m for m, (_, price) in ranked if price > 0 or not paid][:n]


def figure(lines: list[Series], *, title: str = "", until: datetime | None = None) -> Any:
    """A step chart of ``lines``: each ends at its last observation, dashed on to ``until`` (or
    the newest observation of any line) while no newer one exists."""
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
        last = max(x for x in [line.until, *xs] if x is not None) if xs else None
        if last is not None and xs and last > xs[-1]:
            xs, ys = [*xs, last], [*ys, ys[-1]]
        (drawn,) = ax.step(xs, ys, where="post", label=line.model, linewidth=1.8)
        if end is not None and last is not None and end > last:  # no observation since: stale, dashed
            ax.plot([last, end], [ys[-1], ys[-1]], linestyle="--", linewidth=1.2, alpha=0.6, color=drawn.get_color())
        for when, label in line.changes:
            at = max((i for i, x in enumerate(xs) if x <= when), default=0)
            ax.plot([when], [ys[at]], marker="o", markersize=4, color=drawn.get_color())
            ax.annotate(
                label, (when, ys[at]), textcoords="offset points", xytext=(4, 6), fontsize=8, color=drawn.get_color()
            )
    values = [float(v) for line in lines for _, v, _ in line.steps]
    top = max(values, default=0.0)
    # prices are never negative; a flat chart (all free, or one price) still gets a readable axis
    ax.set_ylim(bottom=0, top=top * 1.15 if top > 0 else 1.0)
    ax.set_ylabel("CNY per 1M tokens")
    ax.set_title(title or "Price history")
    ax.grid(True, alpha=0.3)
    if lines:
        ax.legend(fontsize=8, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
