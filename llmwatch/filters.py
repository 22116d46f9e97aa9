"""Filters that say when they match nothing: a provider, source, event type, component,
company or model that neither the database nor the registries know, or a moment that does
not parse, is a ``FilterError`` naming the closest known values (exit 2 in the CLI, 400
from ``serve``); a known one matches whatever its case."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # every command reads its moments here: no database import to start
    from sqlalchemy.orm import Session


class FilterError(ValueError):
    """A filter value nothing knows."""


#: the price components every source may give (``pipeline.extract.headers``), besides those stored
COMPONENTS = ("input", "output", "input_cache_hit", "input_cache_write", "batch", "price")


def pick(value: str | None, known: Iterable[str], what: str, option: str) -> str | None:
    """``value`` as the known spelling; unknown: a usage error with the closest known values."""
    if value is None:
        return None
    by_fold = {k.casefold(): k for k in known if k}
    if value.casefold() in by_fold:
        return by_fold[value.casefold()]
    close = difflib.get_close_matches(value.casefold(), list(by_fold), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(repr(by_fold[c]) for c in close) + "?"
    else:
        names = sorted(by_fold.values())
        hint = "known: " + ", ".join(names[:40]) + (f" and {len(names) - 40} more" if len(names) > 40 else "")
    raise FilterError(f"{option}: unknown {what} {value!r}; {hint}")


def moment(text: str | None, name: str) -> datetime | None:
    """``--at``/``--since``/``--fetched-at`` (``at``, ``since`` in ``serve``): ISO 8601 or a date,
    UTC unless a zone is given."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        raise FilterError(
            f"{name}: not an ISO 8601 date or time: {text!r} (e.g. 2024-07-06 or 2024-07-06T12:00:00Z)"
        ) from None
    try:  # a time at the ends of the calendar cannot be compared with others
        value.astimezone(UTC)
        (value - timedelta(days=400)).astimezone(UTC), (value + timedelta(days=400)).astimezone(UTC)
    except OverflowError:
        raise FilterError(f"{name}: out of the range of dates llmwatch compares: {text!r}") from None
    return value


def _distinct(s: Session, column: Any) -> set[str]:
    from sqlalchemy import select

    return {v for v in s.scalars(select(column).distinct()) if v}


def provider(s: Session, value: str | None, scope: Iterable[str] = (), option: str = "--provider") -> str | None:
    from db.models import Event, PriceObservation
    from pipeline.extract.collect import DEFAULT_SCOPE

    if value is None:
        return None
    known = _distinct(s, PriceObservation.provider) | _distinct(s, Event.provider) | DEFAULT_SCOPE | set(scope)
    return pick(value, known, "provider", option)


def source(s: Session, value: str | None, option: str = "--source") -> str | None:
    from crawler import catalog
    from db.models import Source

    if value is None:
        return None
    return pick(value, set(catalog.cards()) | _distinct(s, Source.name), "source", option)


def component(s: Session, value: str | None, option: str = "--component") -> str | None:
    from db.models import PriceObservation

    if value is None:
        return None
    return pick(value, set(COMPONENTS) | _distinct(s, PriceObservation.component), "component", option)


def event_type(value: str | None, known: Iterable[str], option: str = "--type") -> str | None:
    return pick(value, known, "event type", option)


def company(s: Session, value: str | None, names: Any, option: str = "--company") -> str | None:
    """A company id, also from its name or an alias (``百川智能``, ``Baichuan AI``)."""
    from db.models import FundingEvent

    if value is None:
        return None
    known = _distinct(s, FundingEvent.company) | set(names.companies)
    return names.company_id(value) or pick(value, known, "company", option)


def models(s: Session, values: Iterable[str], option: str = "model") -> list[str]:
    """Model ids as stored (``DeepSeek-Chat`` -> ``deepseek-chat``)."""
    from db.models import PriceObservation

    wanted = list(values)
    if not wanted:
        return []
    known = _distinct(s, PriceObservation.model)
    return [m for v in wanted if (m := pick(v, known, "model", option)) is not None]
