"""De-duplication at three levels, written once:

1. URL: canonical URLs (tracking parameters, mobile and AMP variants,
   redirect wrappers) -> one article;
2. text: syndicated and rewritten copies -> one story (MinHash LSH at 0.7
   with an exact Jaccard check; character shingles, so Chinese works too);
3. event: reports of one round by many outlets, languages and days, with
   rounded or converted amounts -> one funding event.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from pipeline.units import to_cny

# --- 1. URLs -------------------------------------------------------------------

_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|source|src|ref|referrer|share|share_token|fbclid|gclid|module|pgtype|ocid|cmpid|"
    r"mod|ns_\w+|cid|scene|clicktime|enterid|isappinstalled|amp|outputType|guccounter|ncid|taid|mc_\w+)$",
    re.I,
)
_WRAPPER_PARAMS = ("url", "u", "target", "dest", "q", "redirect", "to")


def canonical_url(url: str) -> str:
    """One address per article: no tracking parameters, no mobile or AMP variant,
    the target of a redirect wrapper, no fragment, lower-case host."""
    parts = urlsplit(url.strip())
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in query:  # https://news.example/redirect?url=https%3A%2F%2Freal...
        target = unquote(value)
        if key.lower() in _WRAPPER_PARAMS and target.startswith(("http://", "https://")):
            return canonical_url(target)
    host = parts.netloc.lower().removesuffix(":443").removesuffix(":80")
    host = re.sub(r"^(m|mobile|amp|wap)\.", "www." if host.count(".") == 2 else "", host)
    path = re.sub(r"/amp/?$|/amp(?=/)|\.amp(?=\.html$)", "", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")  # spaces and control characters percent-encoded, once
    kept = sorted((k, v) for k, v in query if not _TRACKING.match(k))
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, urlencode(kept), ""))


# --- 2. text -------------------------------------------------------------------

NUM_PERM = 128
THRESHOLD = 0.7


def shingles(text: str, k: int = 5) -> set[str]:
    """Character k-grams of the text with case, spaces and punctuation folded away."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"[\W_]+", "", folded)
    if len(folded) <= k:
        return {folded} if folded else set()
    return {folded[i : i + k] for i in range(len(folded) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class TextIndex:
    """Near-duplicate look-up: ``add`` returns the story an article belongs to."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH  # half a second to import: only when news is handled

        self.lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self.shingles: dict[str, set[str]] = {}
        self.story: dict[str, int] = {}

    def signature(self, grams: set[str]) -> Any:
        from datasketch import MinHash

        (sig,) = MinHash.bulk([[g.encode() for g in grams]], num_perm=NUM_PERM)
        return sig

    def add(self, key: str, text: str, story: int) -> int:
        """Index ``text``; the story of its nearest earlier copy (Jaccard >= 0.7), else ``story``."""
        grams = shingles(text)
        if not grams:
            return story
        sig = self.signature(grams)
        best, best_j = None, THRESHOLD
        for other in self.lsh.query(sig):
            j = jaccard(grams, self.shingles[other])
            if j >= best_j:
                best, best_j = other, j
        found = self.story[best] if best is not None else story
        if key not in self.shingles:
            self.lsh.insert(key, sig)
        self.shingles[key], self.story[key] = grams, found
        return found


# --- 3. events -----------------------------------------------------------------

AMOUNT_TOLERANCE = Decimal("0.3")
WINDOW_DAYS = 45


@dataclass(frozen=True)
class RoundKey:
    """What decides whether two reports are one round."""

    company: str
    round: str | None
    amount_cny: Decimal | None
    valuation_cny: Decimal | None
    announced_on: date | None


def key_of(fields: Any, rates: dict[str, str] | None = None) -> RoundKey:
    """A report or event (anything with the funding fields) as a ``RoundKey``."""
    on = fields.announced_on or date.today()

    def cny(amount: Decimal | None, currency: str | None) -> Decimal | None:
        if amount is None or currency is None:
            return None
        try:
            return to_cny(Decimal(amount), currency, on, rates)
        except ValueError:
            return None

    return RoundKey(
        fields.company,
        fields.round,
        cny(fields.amount, fields.currency),
        cny(fields.valuation, fields.valuation_currency),
        fields.announced_on,
    )


def _close(a: Decimal | None, b: Decimal | None) -> bool | None:
    if a is None or b is None:
        return None
    return abs(a - b) <= AMOUNT_TOLERANCE * max(a, b)


def same_round(a: RoundKey, b: RoundKey) -> bool:
    """Same company, compatible round, dates within the window, and amounts (or
    valuations) within the tolerance after conversion where both state them."""
    if a.company != b.company:
        return False
    if a.round and b.round and a.round != b.round:
        return False
    if a.announced_on and b.announced_on and abs((a.announced_on - b.announced_on).days) > WINDOW_DAYS:
        return False
    amounts = _close(a.amount_cny, b.amount_cny)
    if amounts is not None:
        return amounts
    valuations = _close(a.valuation_cny, b.valuation_cny)
    return valuations is not False


def best_value(values: Iterable[tuple[Any, str | None]]) -> Any:
    """The best-supported value: most sources, then the most exact (qualifier
    ``exact`` before others), then the first reported."""
    counted: dict[Any, list[int]] = {}
    for order, (value, qualifier) in enumerate(values):
        if value is None or value == []:
            continue
        key = tuple(value) if isinstance(value, list) else value
        entry = counted.setdefault(key, [0, 1, order])
        entry[0] += 1
        entry[1] = min(entry[1], 0 if qualifier in (None, "exact") else 1)
    if not counted:
        return None
    best = min(counted.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[1][2]))[0]
    return list(best) if isinstance(best, tuple) else best
