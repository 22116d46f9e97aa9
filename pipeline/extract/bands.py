"""Time-of-day price bands: which of a key's peak and off-peak rows is in force at
a given moment.

A band is part of a row's condition, written by ``terms``:

- ``peak 01:00-04:00,06:00-10:00 UTC mon-fri except CN holidays``: in force
  inside those hours (on those days);
- ``off-peak outside 01:00-04:00,06:00-10:00 UTC mon-fri except CN holidays``:
  in force at every other hour, weekends and holidays included;
- ``off-peak 00:30-08:30 UTC+8``: a discount window, in force inside its hours.

Chinese public holidays come from the ``holidays`` package (its CN calendar).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from functools import cache

_BAND = re.compile(
    r"\b(?P<name>off-peak|peak)\s+(?P<outside>outside\s+)?(?P<hours>\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*)"
    r"\s+(?P<zone>UTC(?:[+-]\d{1,2})?)(?P<days>\s+mon-fri)?(?P<holidays>\s+except CN holidays)?"
)


@dataclass(frozen=True)
class Band:
    """Hours of the day in ``zone`` (on weekdays only, and not on Chinese public holidays, if so)."""

    hours: tuple[tuple[str, str], ...]
    zone: str
    weekdays: bool = False
    holidays: bool = False

    def text(self, name: str, *, outside: bool = False) -> str:
        """The condition of a row priced inside the band, or (``outside``) at every other hour."""
        spans = ",".join(f"{a}-{b}" for a, b in self.hours)
        days = " mon-fri" if self.weekdays else ""
        rest = " except CN holidays" if self.holidays else ""
        return f"{name}{' outside' if outside else ''} {spans} {self.zone}{days}{rest}"


def applies(condition: str | None, when: datetime) -> bool | None:
    """Whether a row whose condition holds a band is in force at ``when``; None for a row without one."""
    m = _BAND.search(condition or "")
    if m is None:
        return None
    local = when.astimezone(_zone(m.group("zone")))
    inside = _in_hours(local, m.group("hours"))
    if m.group("days") and local.weekday() >= 5:
        inside = False
    if inside and m.group("holidays") and _cn_holiday(when):
        inside = False
    return not inside if m.group("outside") else inside


def _zone(text: str) -> timezone:
    m = re.fullmatch(r"UTC([+-]\d{1,2})?", text)
    return timezone(timedelta(hours=int(m.group(1)))) if m and m.group(1) else UTC


def _in_hours(local: datetime, spans: str) -> bool:
    now = local.time()
    for span in spans.split(","):
        start, end = (time.fromisoformat(t) for t in span.split("-"))
        if (start <= now < end) if start <= end else (now >= start or now < end):  # 22:00-06:00 wraps
            return True
    return False


@cache
def _calendar(year: int) -> object:
    import holidays

    return holidays.country_holidays("CN", years=year)


def _cn_holiday(when: datetime) -> bool:
    day = when.astimezone(timezone(timedelta(hours=8))).date()  # holidays are Beijing days
    return day in _calendar(day.year)  # type: ignore[operator]
