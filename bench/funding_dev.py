"""Funding extraction scored on the labelled dev set (tests/fixtures/news/dev):
per-field precision and recall, events found, negatives that yield a round.

The dev set's items are real headlines, digests and articles from outlets and
years the first rules were not written on. A quarter of its same-event groups
(by a hash of the group id) was held out: those items were not read while the
rules were first written, and were scored before they were read (that score is
in bench/RESULTS.md); they are printed apart.

Matching: an extracted event is matched to a labelled one of the same company
(canonical id, or the same name) and, where a company has several, the same
round. Scalar fields count a true positive when equal, a false positive when
stated and different (or on an unmatched event), a false negative when the
label has a value the extraction lacks. Investors and leads count per name,
compared by canonical id (the alias file) or normalised name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.extract.funding import FundingReport, extract_rounds
from pipeline.extract.names import Registry, default, normal

DEV = Path(__file__).parent.parent / "tests" / "fixtures" / "news" / "dev"
SCALARS = (
    "amount",
    "currency",
    "qualifier",
    "valuation",
    "valuation_currency",
    "valuation_basis",
    "round",
    "status",
    "announced_on",
)
LISTS = ("leads", "investors")
FIELDS = ("event", *SCALARS, *LISTS)
#: the quarter set apart; read after its first score (bench/RESULTS.md has that score)
HELD_OUT = "held out, then read: see bench/RESULTS.md for its score unseen"


@dataclass
class Item:
    file: str
    title: str
    text: str
    published: datetime | None
    label: dict[str, Any]

    @property
    def held_out(self) -> bool:
        return int(hashlib.sha1(self.label["group"].encode()).hexdigest(), 16) % 4 == 0


@dataclass
class Tally:
    counts: dict[str, list[int]] = field(default_factory=lambda: {f: [0, 0, 0] for f in FIELDS})
    negatives: int = 0
    negatives_with_round: list[str] = field(default_factory=list)
    items: int = 0

    def add(self, name: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        c = self.counts[name]
        c[0], c[1], c[2] = c[0] + tp, c[1] + fp, c[2] + fn

    def score(self, name: str) -> tuple[float, float]:
        tp, fp, fn = self.counts[name]
        return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def items() -> list[Item]:
    out = []
    for line in (DEV / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        title, _, text = (DEV / label["file"]).read_text(encoding="utf-8").partition("\n")
        day = label.get("published_on")
        published = datetime.fromisoformat(day).replace(hour=4, tzinfo=UTC) if day else None
        out.append(Item(label["file"], title, text, published, label))
    return out


def rounds_of(item: Item, names: Registry) -> list[FundingReport]:
    reports = extract_rounds(item.title, item.text, item.published, names=names)
    return [r for r in reports if r.kind == "round" and r.status in ("closed", "talks")]


def predicted_fields(r: FundingReport) -> dict[str, Any]:
    return {
        "amount": r.amount,
        "currency": r.currency,
        "qualifier": r.amount_qualifier,
        "valuation": r.valuation,
        "valuation_currency": r.valuation_currency,
        "valuation_basis": r.valuation_basis,
        "round": r.round,
        "status": r.status,
        "announced_on": r.announced_on.isoformat() if r.announced_on else None,
        "leads": r.lead_investors,
        "investors": r.investors,
    }


def labelled_fields(e: dict[str, Any]) -> dict[str, Any]:
    qualifier = {"up to": "up_to"}.get(e["qualifier"], e["qualifier"])
    return {
        "amount": None if e["amount"] is None else Decimal(e["amount"]),
        "currency": e["currency"],
        "qualifier": qualifier,
        "valuation": None if e["valuation"] is None else Decimal(e["valuation"]),
        "valuation_currency": e["valuation_currency"],
        "valuation_basis": e["valuation_basis"],
        "round": e["round"],
        "status": e["status"],
        "announced_on": e["announced_on"],
        "leads": e["leads"],
        "investors": e["investors"],
    }


def _same_company(r: FundingReport, e: dict[str, Any], names: Registry) -> bool:
    if r.company == e["company"]:
        return True
    return normal(r.company_name) == normal(e["company_name"]) or names.company_id(e["company_name"]) == r.company


def match(got: list[FundingReport], want: list[dict[str, Any]], names: Registry) -> list[tuple[Any, Any]]:
    """Pairs (report or None, label event or None)."""
    pairs: list[tuple[Any, Any]] = []
    left = list(got)
    for e in want:
        same = [r for r in left if _same_company(r, e, names)]
        best = next((r for r in same if r.round == e["round"]), same[0] if same else None)
        if best is not None:
            left.remove(best)
        pairs.append((best, e))
    pairs += [(r, None) for r in left]
    return pairs


def score_item(item: Item, tally: Tally, names: Registry) -> list[str]:
    """Adds the item to ``tally``; returns the differences, for a reader."""
    got = rounds_of(item, names)
    tally.items += 1
    diffs: list[str] = []
    if item.label["negative"]:
        tally.negatives += 1
        if any(r.status == "closed" for r in got):
            tally.negatives_with_round.append(item.file)
    for r, e in match(got, item.label["events"], names):
        tally.add("event", tp=int(r is not None and e is not None), fp=int(e is None), fn=int(r is None))
        g = predicted_fields(r) if r is not None else {}
        w = labelled_fields(e) if e is not None else {}
        if r is None or e is None:
            diffs.append(f"{'missed' if r is None else 'extra'} event {(e or {}).get('company') or r.company}")
        for f in SCALARS:
            gv, wv = g.get(f), w.get(f)
            if f == "announced_on" and wv is None:
                continue  # the label dates only what the text dates; an extraction gives the article's day
            if gv is not None and gv == wv:
                tally.add(f, tp=1)
            else:
                tally.add(f, fp=int(gv is not None), fn=int(wv is not None))
                if r is not None and e is not None and (gv is not None or wv is not None):
                    diffs.append(f"{e['company']}.{f}: got {gv} want {wv}")
        for f in LISTS:
            gs = {names.investor_id(n) for n in g.get(f, [])}
            ws = {names.investor_id(n) for n in w.get(f, [])}
            gs_n, ws_n = {normal(x) for x in gs}, {normal(x) for x in ws}
            tally.add(f, tp=len(gs_n & ws_n), fp=len(gs_n - ws_n), fn=len(ws_n - gs_n))
            if gs_n != ws_n and (r is not None and e is not None):
                diffs.append(f"{e['company']}.{f}: got {sorted(gs_n)} want {sorted(ws_n)}")
    return diffs


def run(names: Registry | None = None) -> dict[str, Tally]:
    names = names or default()
    tallies = {"all": Tally(), "read while the rules were written": Tally(), HELD_OUT: Tally()}
    for item in items():
        for key in ("all", HELD_OUT if item.held_out else "read while the rules were written"):
            score_item(item, tallies[key], names)
    return tallies


def dedup_pairs(names: Registry | None = None) -> tuple[int, int, int, list[str]]:
    """Every dev item stored in date order through ``NewsStore`` (a fresh SQLite file): pairs of
    reports that share a funding event, against pairs that share a labelled group. Returns
    (tp, fp, fn, differences)."""
    import itertools
    import tempfile
    from datetime import timedelta

    from sqlalchemy import select

    from db.engine import session_factory
    from db.models import Article, FundingEvent
    from db.models import FundingReport as Stored
    from pipeline.store.news import NewsItem, NewsStore

    late = datetime(2026, 12, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        factory = session_factory(f"sqlite:///{tmp}/dedup.db")
        store = NewsStore(factory, names=names or default())
        for item in sorted(items(), key=lambda i: (i.published or late, i.file)):
            at = item.published or late
            news = NewsItem(f"https://dev.invalid/{item.file}", item.title, item.text, at + timedelta(hours=1), at)
            store.ingest("dev", news)
        with factory() as s:
            rows = s.execute(
                select(Article.url, Stored.funding_event_id, FundingEvent.company)
                .join(Stored, Stored.article_id == Article.id)
                .join(FundingEvent, FundingEvent.id == Stored.funding_event_id)
            ).all()
        factory.kw["bind"].dispose()
    got = {(url.rsplit("/", 1)[1], company): event for url, event, company in rows}
    want = {
        (i.file, e["company"]): i.label["group"]
        for i in items()
        if len(i.label["events"]) == 1
        for e in i.label["events"]
    }
    keys = sorted(k for k in got if k in want)
    tp = fp = fn = 0
    diffs = []
    for a, b in itertools.combinations(keys, 2):
        same_got, same_want = got[a] == got[b], want[a] == want[b]
        tp += same_got and same_want
        fp += same_got and not same_want
        fn += same_want and not same_got
        if same_got != same_want:
            diffs.append(f"{a[0]} / {b[0]}: {'merged' if same_got else 'kept apart'} ({want[a]}, {want[b]})")
    return tp, fp, fn, diffs


def report(tallies: dict[str, Tally]) -> float:
    """Prints the tables; returns the lowest of valuation, amount and leads precision/recall (all items)."""
    for key, t in tallies.items():
        print(f"funding, dev set ({key}): {t.items} items, {t.negatives} negatives")
        print(f"{'field':<20} {'precision':>9} {'recall':>7}   tp  fp  fn")
        for f in FIELDS:
            p, r = t.score(f)
            tp, fp, fn = t.counts[f]
            print(f"{f:<20} {p:>9.2f} {r:>7.2f}  {tp:>3} {fp:>3} {fn:>3}")
        print(f"negatives yielding a closed round: {len(t.negatives_with_round)} {t.negatives_with_round}")
        print()
    all_ = tallies["all"]
    return min(min(all_.score(f)) for f in ("amount", "valuation", "leads"))


if __name__ == "__main__":
    import sys

    names = default()
    if "-v" in sys.argv:
        for item in items():
            diffs = score_item(item, Tally(), names)
            if diffs and (not item.held_out or "--all" in sys.argv):
                print(item.file, "|", "; ".join(diffs))
    ratio = report(run(names))
    tp, fp, fn, diffs = dedup_pairs(names)
    if "-v" in sys.argv:
        print("\n".join(diffs))
    print(f"de-duplication, dev set: pairs of reports of one round {tp} right, {fp} merged wrongly, {fn} kept apart")
    print(f"  precision {tp / (tp + fp):.2f}, recall {tp / (tp + fn):.2f}")
    print(f"ratio: {ratio:.2f}")
