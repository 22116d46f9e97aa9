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

import numpy as np

from pipeline.extract.fx import Rates
from pipeline.extract.units import to_cny

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
#: LSH finds candidates from here; the exact Jaccard check then keeps those at THRESHOLD or above
#: (LSH at 0.7 itself misses about one pair in four near 0.75)
CANDIDATES = 0.5


_K = 5
_MULT = np.array([pow(1_000_003, j, 2**32) for j in range(_K)], dtype=np.uint32)


def shingles(text: str) -> np.ndarray:
    """The text's character 5-grams (case, spaces and punctuation folded away) as sorted unique
    32-bit hashes, computed for all windows at once: a tenth of the memory of the strings."""
    folded = re.sub(r"[\W_]+", "", text.lower())
    if not folded.isascii() and not unicodedata.is_normalized("NFKC", folded):
        # after punctuation is gone, only full-width letters and digits are left to fold
        folded = unicodedata.normalize("NFKC", folded)
    if not folded:
        return np.empty(0, dtype=np.uint32)
    points = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    if points.size < _K:
        points = np.pad(points, (0, _K - points.size))
    windows = np.lib.stride_tricks.sliding_window_view(points, _K)
    with np.errstate(over="ignore"):  # arithmetic mod 2^32 is the point
        h = (windows * _MULT).sum(axis=1, dtype=np.uint32)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x45D9F3B)
        h ^= h >> np.uint32(16)
    return np.unique(h)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two ``shingles`` sets."""
    if not a.size or not b.size:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


# MinHash with affine permutations h -> a*h + b (mod 2^32, odd a: a bijection), computed for all
# permutations at once with numpy; the same family datasketch calls "affine32".
_PERM = np.random.RandomState(20240706)
_A = (_PERM.randint(0, 2**32, NUM_PERM, dtype=np.uint64) | 1).astype(np.uint32)
_B = _PERM.randint(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32)


class _Signature:
    """What MinHashLSH reads of a MinHash: its values and their number."""

    __slots__ = ("hashvalues",)

    def __init__(self, values: np.ndarray) -> None:
        self.hashvalues = values

    def __len__(self) -> int:
        return len(self.hashvalues)


def features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A text's shingles and its MinHash signature (pure: safe to compute in another process)."""
    grams = shingles(text)
    if not grams.size:
        return grams, np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic mod 2^32 is the point
        values = (grams[:, None] * _A + _B).min(axis=0)
    return grams, values.astype(np.uint64)


class TextIndex:
    """Near-duplicate look-up: ``add`` returns the story an article belongs to."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH  # half a second to import: only when news is handled

        self.lsh = MinHashLSH(threshold=CANDIDATES, num_perm=NUM_PERM)
        self.shingles: dict[str, np.ndarray] = {}
        self.story: dict[str, int] = {}

    def add(self, key: str, text: str, story: int) -> int:
        """Index ``text``; the story of its nearest earlier copy (Jaccard >= 0.7), else ``story``."""
        return self._place(key, *features(text), story)

    def add_many(self, docs: Iterable[tuple[str, str, int]], processes: int = 1) -> list[int]:
        """``add`` for many (key, text, story), in order, with the same answers; the shingles and
        signatures (most of the work) computed by ``processes`` worker processes."""
        if processes < 2:
            return [self.add(key, text, story) for key, text, story in docs]
        from concurrent.futures import ProcessPoolExecutor
        from itertools import islice
        from multiprocessing import get_context

        out: list[int] = []
        stream = iter(docs)
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            while part := list(islice(stream, 5000)):  # a slice at a time: memory stays flat
                found = pool.map(features, [text for _, text, _ in part], chunksize=250)
                out += [self._place(key, *feat, story) for (key, _, story), feat in zip(part, found, strict=True)]
        return out

    def _place(self, key: str, grams: np.ndarray, sig: np.ndarray, story: int) -> int:
        if not grams.size:
            return story
        best, best_j = None, THRESHOLD
        signature = _Signature(sig)
        for other in self.lsh.query(signature):
            j = jaccard(grams, self.shingles[other])
            if j >= best_j:
                best, best_j = other, j
        found = self.story[best] if best is not None else story
        if key not in self.shingles:
            self.lsh.insert(key, signature)
        self.shingles[key], self.story[key] = grams, found
        return found


# --- 3. events -----------------------------------------------------------------

AMOUNT_TOLERANCE = Decimal("0.3")
WINDOW_DAYS = 45
#: talks about a company reported this many days after one of its rounds closed are another round
TALKS_AFTER_DAYS = 7


@dataclass(frozen=True)
class RoundKey:
    """What decides whether two reports are one round."""

    company: str
    round: str | None
    amount_cny: Decimal | None
    valuation_cny: Decimal | None
    announced_on: date | None
    #: closed or talks
    status: str | None = None
    #: "over" where the valuation is a floor ("估值超100亿美元")
    valuation_qualifier: str | None = None
    #: the amount as written, for a report that writes no currency ("2 亿追投")
    amount_raw: Decimal | None = None
    leads: tuple[str, ...] = ()


def key_of(fields: Any, rates: Rates | None = None) -> RoundKey:
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
        getattr(fields, "status", None),
        getattr(fields, "valuation_qualifier", None),
        Decimal(fields.amount) if fields.amount is not None else None,
        tuple(getattr(fields, "lead_investors", None) or ()),
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
    if _talks_after_close(a, b) or _talks_after_close(b, a):
        return False
    if a.leads and b.leads and not set(a.leads) & set(b.leads):
        return False  # led by others: another round
    amounts = _close(a.amount_cny, b.amount_cny)
    if amounts is None and (a.amount_cny is None) != (b.amount_cny is None):
        amounts = _close(a.amount_raw, b.amount_raw)  # one writes no currency: compare the figures as written
    if amounts is not None:
        return amounts
    valuations = _close(a.valuation_cny, b.valuation_cny)
    if valuations is False and _floor_holds(a, b):
        return True
    return valuations is not False


def _talks_after_close(closed: RoundKey, talks: RoundKey) -> bool:
    """Talks reported well after a round closed are about the next round."""
    if closed.status != "closed" or talks.status != "talks" or not (closed.announced_on and talks.announced_on):
        return False
    return (talks.announced_on - closed.announced_on).days > TALKS_AFTER_DAYS


def _floor_holds(a: RoundKey, b: RoundKey) -> bool:
    """ "估值超100亿美元" and "估值超200亿美元": floors, both true of one round."""
    if a.valuation_cny is None or b.valuation_cny is None:
        return False
    low = a if a.valuation_cny <= b.valuation_cny else b
    return low.valuation_qualifier == "over"  # the lower figure is a floor the higher one meets


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
