"""The one place where parsed prices become ``PriceRow``s.

Every source hands its parsed cells to a ``Collector``: it converts currency
with the dated rate, drops providers out of scope, keeps one row per key, and
records rejects with their reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipeline.extract.fx import Rates
from pipeline.extract.records import Extraction, PriceRow, Reject
from pipeline.extract.units import IMPLAUSIBLE, ParsedPrice, PriceError, convert, fmt, parse_price

#: ``domain.md`` providers; a setting (``[sources] providers``) can narrow it.
DEFAULT_SCOPE = frozenset(
    {
        "deepseek",
        "bytedance",
        "alibaba",
        "baidu",
        "tencent",
        "zhipu",
        "moonshot",
        "baichuan",
        "01ai",
        "minimax",
        "stepfun",
    }
)


class Collector:
    def __init__(self, on: date, *, rates: Rates | None = None, scope: frozenset[str] | None = None) -> None:
        self.on = on
        self.rates = rates
        self.scope = DEFAULT_SCOPE if scope is None else scope
        self._rows: dict[tuple[str, ...], PriceRow] = {}
        self.rejects: list[Reject] = []
        #: a source may say why a page yielded nothing (overrides the default)
        self.empty_reason: str | None = None

    def add(
        self,
        provider: str | None,
        model: str,
        component: str,
        condition: str | None,
        price: ParsedPrice,
    ) -> None:
        if provider is None or provider not in self.scope or not model:
            return
        if price.amount_per_mtok > IMPLAUSIBLE:  # before conversion, which would overflow on a misread
            self.reject(
                f"{model} {component}: implausible price {fmt(price.amount_per_mtok)} {price.currency} per 1M tokens",
                price.raw,
            )
            return
        try:
            cny, rate = convert(price.amount_per_mtok, price.currency, self.on, self.rates)
        except (PriceError, ArithmeticError) as exc:
            self.reject(f"{model} {component}: {exc}", price.raw)
            return
        if not 0 <= cny <= IMPLAUSIBLE:
            self.reject(
                f"{model} {component}: implausible price {price.amount_per_mtok} {price.currency} per 1M tokens",
                price.raw,
            )
            return
        row = PriceRow(
            provider=provider,
            model=model,
            component=component,
            condition=condition or None,
            amount_per_mtok=Decimal(fmt(price.amount_per_mtok)),
            currency=price.currency,
            cny_per_mtok=Decimal(fmt(cny)),
            raw=price.raw,
            free=price.free,
            limited_time=price.limited_time,
            fx_rate=rate.value if rate else None,
            fx_date=rate.on if rate else None,
            fx_source=rate.source if rate else None,
        )
        key = row.key
        old = self._rows.get(key)
        if old is None:
            self._rows[key] = row
        elif old.amount_per_mtok != row.amount_per_mtok:
            self.reject(
                f"conflicting prices for {provider}/{model} {component}: {old.raw!r} and {row.raw!r}; kept the first",
                price.raw,
            )
        if price.cache_hit_per_mtok is not None and component == "input":
            hit = ParsedPrice(price.cache_hit_per_mtok, price.currency, price.cache_hit_per_mtok == 0, False, price.raw)
            self.add(provider, model, "input_cache_hit", condition, hit)

    def add_amount(
        self,
        provider: str | None,
        model: str,
        component: str,
        condition: str | None,
        amount_per_mtok: Decimal,
        currency: str,
        raw: str,
    ) -> None:
        """A price already known per 1M tokens (JSON APIs)."""
        self.add(
            provider,
            model,
            component,
            condition,
            ParsedPrice(amount_per_mtok, currency, amount_per_mtok == 0, False, raw),
        )

    def add_text(
        self,
        provider: str | None,
        model: str,
        component: str,
        condition: str | None,
        text: str,
        *,
        currency: str | None = None,
        per_tokens: int | None = None,
    ) -> None:
        """A price cell's text; a text that does not parse becomes a reject."""
        try:
            price = parse_price(text, currency=currency, per_tokens=per_tokens)
        except PriceError as exc:
            self.reject(f"{model} {component}: {exc}", text)
            return
        self.add(provider, model, component, condition, price)

    def reject(self, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(reason, raw[:500]))

    def result(self, empty_reason: str = "no price table found") -> Extraction:
        rows = sorted(self._rows.values(), key=lambda r: r.key)
        reason = None if rows else (self.empty_reason or empty_reason)
        if reason and self.rejects:
            reason += f" ({len(self.rejects)} rejected; the first: {self.rejects[0].reason})"
        return Extraction(rows, self.rejects, reason)
