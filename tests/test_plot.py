"""Charts that do not mislead: free models are not the cheapest paid ones, lines end at
their last observation (dashed on while stale), change markers sit on the step and speak
CNY, and a flat chart has a readable axis."""

from __future__ import annotations

from datetime import UTC, datetime

import matplotlib.dates as mdates
from sqlalchemy.orm import Session, sessionmaker

from llmwatch import plot
from tests.conftest import ingest_fixture


def _seed(factory: sessionmaker[Session]) -> None:
    # glm-4-flash: 0.1 元 in the community table of 2024-06-05, free on llmprice.cn in 2026
    ingest_fixture(factory, "syaoranwe/2024-05-23_README.md", "2024-05-23T10:33:46+00:00")
    ingest_fixture(factory, "syaoranwe/2024-06-05_README.md", "2024-06-05T11:47:38+00:00")
    ingest_fixture(factory, "llmprice_cn/2026-01-29_index.html", "2026-01-28T22:40:52+00:00")


def test_the_cheapest_paid_models_leave_out_the_ones_free_now(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with factory() as s:
        paid = plot.cheapest(s, 8, paid=True)
        every = plot.cheapest(s, 30)
        line = plot.series(s, ["glm-4-flash"])[0]
    assert "glm-4-flash" in every and "glm-4-flash" not in paid
    assert [str(v) for _, v, _ in line.steps] == ["0.1", "0"]  # its line does drop to 0: it is free now
    with factory() as s:
        prices = [plot.series(s, [m])[0].steps[-1][1] for m in paid]
    assert all(p > 0 for p in prices) and prices == sorted(prices)


def test_a_line_ends_at_its_last_observation_and_runs_on_dashed(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with factory() as s:
        lines = plot.series(s, ["qwen-long", "glm-4-flash"])
    fig = plot.figure(lines)
    ax = fig.axes[0]
    qwen = next(line for line in lines if line.model == "qwen-long")
    solid = next(d for d in ax.get_lines() if d.get_label() == "qwen-long")
    assert mdates.num2date(solid.get_xdata(orig=False)[-1]) == qwen.until  # not run on to 2026
    dashed = [d for d in ax.get_lines() if d.get_linestyle() == "--"]
    ends = {mdates.num2date(d.get_xdata(orig=False)[-1]) for d in dashed}
    assert ends == {datetime(2026, 1, 28, 22, 40, 52, tzinfo=UTC)}  # dashed on to the newest observation


def test_markers_sit_on_the_step_in_cny(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with factory() as s:
        lines = plot.series(s, ["glm-4-flash"])
    assert lines[0].changes == [(datetime(2026, 1, 28, 22, 40, 52, tzinfo=UTC), "0 CNY (-100%)")]
    ax = plot.figure(lines).axes[0]
    (note,) = ax.texts
    assert note.get_text() == "0 CNY (-100%)" and note.xy[1] == 0.0  # on the step it labels


def test_a_flat_chart_has_a_readable_axis(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with factory() as s:
        free = [m for m in plot.cheapest(s, 30) if m not in plot.cheapest(s, 30, paid=True)]
        lines = [line for line in plot.series(s, free) if all(v == 0 for _, v, _ in line.steps)]
    assert lines
    assert plot.figure(lines).axes[0].get_ylim() == (0.0, 1.0)
