"""Dates as news pages and feeds write them -> aware UTC datetimes.

Common forms (ISO, ``2024年7月6日``, ``07-06``, ``3小时前``, ``昨天 14:05``,
RFC 822) are read by regular expressions; dateparser, with one reused
``DateDataParser(languages=['zh', 'en'])``, handles the rest. Relative dates
are relative to when the page was fetched; a page's own zone defaults to
Asia/Shanghai.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_CN = re.compile(r"^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*(\d{1,2})[:：](\d{2}))?$")
_MD = re.compile(r"^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_AGO = re.compile(r"^(\d+)\s*(秒|分钟|小时|天|周)前$")
_AGO_EN = re.compile(r"^(\d+)\s*(second|minute|hour|day|week)s?\s+ago$", re.I)
_DAY = re.compile(r"^(今天|昨天|前天)\s*(?:(\d{1,2})[:：](\d{2}))?$")
_EN = re.compile(
    r"^(?:[A-Z][a-z]+,?\s+)?([A-Z][a-z]{2})[a-z]*\.? (\d{1,2}),? (\d{4})(?:,?\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?)?$"
)
_LABEL = re.compile(r"^(published|updated|posted|发布于|发布时间|更新于|更新时间)\s*[:：]?\s*", re.I)
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks"}


class DateError(ValueError):
    pass


def parse_date(text: str, fetched_at: datetime | None = None, tz: ZoneInfo = SHANGHAI) -> datetime:
    raw = _LABEL.sub("", text.strip()).replace("·", " ")
    raw = re.sub(r"(day)(?=[A-Z])", r"\1 ", raw)  # "FridayMarch 14, 2025"
    raw = re.sub(r"\s+", " ", raw).strip()
    if not raw:
        raise DateError("empty date")
    base = (fetched_at or datetime.now(UTC)).astimezone(tz)
    try:
        local = _fast(raw, base, tz)
        if local is None:
            local = _slow(raw, base, tz)
    except (ValueError, OverflowError) as exc:  # e.g. 2024年13月45日
        raise DateError(f"not a valid date: {text!r} ({exc})") from None
    if local is None:
        raise DateError(f"cannot read a date in {text!r}")
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.astimezone(UTC)


def _fast(raw: str, base: datetime, tz: ZoneInfo) -> datetime | None:
    if m := _ISO.match(raw):
        y, mo, d, h, mi, s, zone = m.groups()
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        if zone:
            return datetime.fromisoformat(f"{dt.isoformat()}{'+00:00' if zone == 'Z' else _colon(zone)}")
        return dt.replace(tzinfo=tz)
    if m := _CN.match(raw):
        y, mo, d, h, mi = m.groups()
        return datetime(int(y) if y else base.year, int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=tz)
    if m := _MD.match(raw):
        mo, d, h, mi = m.groups()
        dt = datetime(base.year, int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=tz)
        return dt.replace(year=base.year - 1) if dt > base + timedelta(days=1) else dt
    if m := _AGO.match(raw):
        return base - timedelta(**{_AGO_UNITS[m.group(2)]: int(m.group(1))})
    if (m := _EN.match(raw)) and m.group(1) in _MONTHS:
        hour, minute = int(m.group(4) or 0), int(m.group(5) or 0)
        if m.group(6):
            hour = hour % 12 + (12 if m.group(6).lower() == "pm" else 0)
        return datetime(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)), hour, minute, tzinfo=tz)
    if m := _AGO_EN.match(raw):
        return base - timedelta(**{f"{m.group(2).lower()}s": int(m.group(1))})
    if m := _DAY.match(raw):
        back = {"今天": 0, "昨天": 1, "前天": 2}[m.group(1)]
        day = base - timedelta(days=back)
        if m.group(2):
            return day.replace(hour=int(m.group(2)), minute=int(m.group(3)), second=0, microsecond=0)
        return day.replace(hour=0, minute=0, second=0, microsecond=0)
    if re.match(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}", raw):
        try:
            return parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
    return None


def _colon(zone: str) -> str:
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"


@cache
def _parser(zone: str) -> Any:
    from dateparser.date import DateDataParser  # 100+ ms to import: only when needed

    settings = {"TIMEZONE": zone, "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past"}
    return DateDataParser(languages=["zh", "en"], settings=settings)


def _slow(raw: str, base: datetime, tz: ZoneInfo) -> datetime | None:
    # absolute forms only: relative ones were resolved against ``base`` above
    data = _parser(str(tz)).get_date_data(raw)
    return data.date_obj if data else None


#: ``6h``, ``30m``, ``1d``, ``90s`` (schedules, staleness, windows)
INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """``6h`` -> 6 hours (``text`` already checked against ``INTERVAL``)."""
    m = INTERVAL.match(text)
    if m is None:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30m, 6h, 1d)")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
