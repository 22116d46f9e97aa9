"""When a page's prices are in force: a start date the page announces
("自北京时间2025年9月5日16:00起", "effective from 2025-09-05 16:00 UTC"), the end
of a limited-time offer ("限时免费至2024年6月30日"), and peak or off-peak windows
("高峰时段价格为平时价格2倍 ... 北京时间每日 9:00～12:00 和 14:00～18:00").

Written once for every source: ``apply`` runs over each page's extraction.
An announcement without a date ("即将采用 ... 以正式通知为准") changes nothing:
its prices are not in force, and no date can be stored for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipeline.extract.bands import Band
from pipeline.extract.dates import SHANGHAI, DateError, parse_date
from pipeline.extract.records import Extraction, PriceRow
from pipeline.extract.units import dec, fmt

UTC_ZONE = ZoneInfo("UTC")
_CN_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_EN_DATE = r"[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}"
_TIME = r"(?:\s*(\d{1,2}[:：]\d{2}))?"
_DATE = rf"({_CN_DATE}|{_ISO_DATE}|{_EN_DATE}){_TIME}"
_FROM = re.compile(
    rf"(?:自|从|于|将于)?\s*(北京时间|UTC\+?8|UTC)?\s*{_DATE}\s*(\(?UTC\)?|（北京时间）)?\s*(?:起|开始|生效)"
    rf"|(?:effective|starting|from|as of)\s+(?:on\s+)?{_DATE}\s*(\(?UTC\+?8?\)?|\(?Beijing time\)?)?",
    re.I,
)
_UNTIL = re.compile(rf"(?:至|截至|截止|到|until|through|till)\s*(北京时间)?\s*{_DATE}", re.I)
_CN_DATE_RX = re.compile(_CN_DATE)
_ISO_TAIL = re.compile(r"-\d{2}-\d{2}")
_EN_DATE_RX = re.compile(_EN_DATE)
_WINDOW_WORDS = ("高峰", "优惠时段", "夜间", "空闲时段", "闲时", "错峰")
_PRICE_WORDS = re.compile(r"价格|计费|单价|收费|定价|price|pricing|rates?\b", re.I)
_UPCOMING = re.compile(r"即将|以正式通知为准|另行通知|coming soon|to be announced|will be announced", re.I)
_HOURS = re.compile(r"(\d{1,2})[:：](\d{2})\s*[～~\-–—至到]\s*(\d{1,2})[:：](\d{2})")
_TIMES = re.compile(r"(\d+(?:\.\d+)?)\s*倍|(\d+(?:\.\d+)?)\s*x\b", re.I)
_DISCOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*折|(\d+(?:\.\d+)?)\s*%\s*off", re.I)


@dataclass(frozen=True)
class Window:
    """Hours of the day (in ``zone``) where prices are ``factor`` times the normal ones."""

    name: str  # "peak" or "off-peak"
    hours: tuple[tuple[str, str], ...]
    zone: str
    factor: Decimal
    #: when the note says the window pricing starts (None: already in force)
    start: datetime | None = None
    #: the note's text, which says nothing about the page's other prices
    note: str = ""

    @property
    def condition(self) -> str:
        return Band(self.hours, self.zone).text(self.name)


def apply(extraction: Extraction, text: str) -> Extraction:
    """The extraction's rows with when they are in force, and the peak/off-peak rows a note defines."""
    if not extraction.rows or not (_any_date(text) or _any_window(text) or _any_limited(extraction)):
        return extraction  # most pages: no date, no window, no offer; nothing to read
    found = windows(text)
    for window in found:  # a window's own start date is not the page's
        text = text.replace(window.note, " ")
    band = peak_hours(text) if any(_banded(row) for row in extraction.rows) else None
    if band is not None:  # the peak hours, read once for the page
        extraction = replace(extraction, rows=[_with_hours(row, band) for row in extraction.rows])
    start = effective_from(text)
    rows = [_limited(row) for row in extraction.rows]
    if start is not None:
        rows = [row if row.effective_from else replace(row, effective_from=start) for row in rows]
    for window in found:
        rows += [_in_window(row, window) for row in rows if not row.free and row.condition is None]
    return replace(extraction, rows=rows)


def _any_date(text: str) -> bool:
    # substring tests first: a regular expression over a whole page costs a quarter millisecond
    return bool(("年" in text and _CN_DATE_RX.search(text)) or _any_iso_date(text) or _EN_DATE_RX.search(text))


def _any_iso_date(text: str) -> bool:
    # "-dd-dd" starts with a literal, which the regex engine finds at string-search speed; the
    # year is checked by hand (\d{4}-\d{2}-\d{2} is tried at every digit of the page: 15x slower)
    return any(m.start() >= 4 and text[m.start() - 4 : m.start()].isdecimal() for m in _ISO_TAIL.finditer(text))


def _any_window(text: str) -> bool:
    return any(word in text for word in _WINDOW_WORDS) or any(p in text for p in ("peak", "Peak", "PEAK"))


def _any_limited(extraction: Extraction) -> bool:
    return any(row.limited_time for row in extraction.rows)


def effective_from(text: str) -> datetime | None:
    """The latest start date a pricing sentence of the page announces, in UTC."""
    found = []
    for sentence in _sentences(text):
        if not _PRICE_WORDS.search(sentence) or (_UPCOMING.search(sentence) and not _FROM.search(sentence)):
            continue
        for m in _FROM.finditer(sentence):
            if re.match(r"\s*(?:支持|提供|上线|support)", sentence[m.end() :], re.I):
                continue  # a feature that starts on a date, not a price
            when = _when(m, sentence)
            if when is not None:
                found.append(when)
    return max(found, default=None)


def windows(text: str) -> list[Window]:
    """Peak and off-peak windows a note puts in force (not ones only announced as coming)."""
    out = []
    for sentence in _paragraphs(text):
        name = _window_name(sentence)
        hours = tuple((f"{int(a):02d}:{b}", f"{int(c):02d}:{d}") for a, b, c, d in _HOURS.findall(sentence))
        if name is None or not hours:
            continue
        start = effective_from(sentence)
        if _UPCOMING.search(sentence) and start is None:
            continue  # "即将采用 ... 以正式通知为准": nothing is in force yet
        factor = _factor(sentence, name)
        if factor is None:
            continue
        zone = "UTC" if re.search(r"\bUTC\b(?!\s*\+)", sentence) else "UTC+8"
        out.append(Window(name, hours, zone, factor, start, sentence))
    return out


def _window_name(text: str) -> str | None:
    if re.search(r"高峰|peak(?!-)|peak hours", text, re.I) and not re.search(r"off[- ]peak", text, re.I):
        return "peak"
    if re.search(r"优惠时段|夜间|空闲时段|闲时|错峰|off[- ]peak|discount (period|hours)", text, re.I):
        return "off-peak"
    return None


def _factor(text: str, name: str) -> Decimal | None:
    times = _TIMES.search(text)
    if times:
        return dec(times.group(1) or times.group(2))
    discount = _DISCOUNT.search(text)
    if discount and name == "off-peak":
        if discount.group(1):
            return dec(discount.group(1)) / 10  # 5折 = half price
        return 1 - dec(discount.group(2)) / 100
    return None


def _banded(row: PriceRow) -> bool:
    return any(part in ("peak", "off-peak") for part in (row.condition or "").split(", "))


def _with_hours(row: PriceRow, band: Band) -> PriceRow:
    """A row a page labels PEAK or OFF-PEAK, with the peak hours the page's note defines."""
    if not _banded(row):
        return row
    texts = {"peak": band.text("peak"), "off-peak": band.text("off-peak", outside=True)}
    return replace(row, condition=", ".join(texts.get(p, p) for p in (row.condition or "").split(", ")))


def peak_hours(text: str) -> Band | None:
    """The peak hours a note defines ("Peak hours are 01:00 - 04:00 and 06:00 - 10:00 UTC,
    Monday through Friday, excluding Chinese public holidays")."""
    for paragraph in _paragraphs(text):
        if not re.search(r"peak hours|高峰时段", paragraph, re.I):
            continue
        spans = tuple(
            (f"{int(a):02d}:{b}", f"{int(c):02d}:{d}") for a, b, c, d in _HOURS.findall(paragraph.replace(" ", ""))
        )
        if not spans:
            continue
        zone = "UTC" if re.search(r"\bUTC\b(?!\s*\+)", paragraph) else "UTC+8"
        weekdays = bool(re.search(r"monday through friday|mon(day)?\s*-\s*fri|周一至周五|工作日", paragraph, re.I))
        holidays = bool(re.search(r"public holidays|节假日|法定假日", paragraph, re.I))
        return Band(spans, zone, weekdays, holidays)
    return None


def _in_window(row: PriceRow, window: Window) -> PriceRow:
    return replace(
        row,
        condition=window.condition,
        effective_from=window.start or row.effective_from,
        amount_per_mtok=dec(fmt(row.amount_per_mtok * window.factor)),
        cny_per_mtok=dec(fmt(row.cny_per_mtok * window.factor)),
        raw=f"{row.raw} x {fmt(window.factor)} ({window.name})",
    )


def _limited(row: PriceRow) -> PriceRow:
    """A limited-time offer that names its last day ends at the end of that day."""
    if not row.limited_time:
        return row
    m = _UNTIL.search(row.raw)
    if m is None:
        return row
    try:
        day = parse_date(_compact(m.group(2)), tz=SHANGHAI)
    except DateError:
        return row
    end = day.astimezone(SHANGHAI).replace(hour=0, minute=0) + timedelta(days=1)
    return replace(row, effective_to=end.astimezone(UTC_ZONE))


def _when(m: re.Match[str], sentence: str) -> datetime | None:
    groups = m.groups()
    if m.group(2):  # the Chinese form: zone before, date, time, zone after
        zone_text, date_text, time_text, after = groups[0], groups[1], groups[2], groups[3]
    else:
        zone_text, date_text, time_text, after = None, groups[4], groups[5], groups[6]
    zone_words = f"{zone_text or ''} {after or ''}"
    tz = UTC_ZONE if re.search(r"UTC(?!\s*\+)", zone_words) and "+8" not in zone_words else SHANGHAI
    text = _compact(date_text) + (f" {time_text.replace('：', ':')}" if time_text else "")
    try:
        return parse_date(text, tz=tz)
    except DateError:
        return None


def _compact(date_text: str) -> str:
    return re.sub(r"\s+", "", date_text) if "年" in date_text else date_text.strip()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。\n]|(?<=[.!?])\s", text) if s.strip()]


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n(?=\s*[(（]?\d+[)）])", text) if p.strip()]
