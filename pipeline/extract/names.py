"""Who raises and who invests: canonical ids for the names funding news uses.

The names live in a data file (``pipeline/extract/data/aliases.toml``) that users
extend through the configuration (``[funding] aliases``). Text is matched in
simplified script: Traditional Chinese is converted first with OpenCC. A
company the file does not know gets a slug of its name (pinyin for Chinese).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, NamedTuple

DATA = Path(__file__).parent / "data" / "aliases.toml"


class Named(NamedTuple):
    start: int
    end: int
    id: str
    name: str
    #: "name", "product" or "founder": how the text named it
    how: str


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


_HAN = re.compile(r"[\u4e00-\u9fff]")


def simplified(text: str) -> str:
    """``text`` in simplified script (OpenCC t2s); text with no Traditional character is returned as is."""
    if not _traditional().search(text):
        return text
    return str(_converter().convert(text))


@cache
def _traditional() -> re.Pattern[str]:
    """The characters OpenCC's t2s changes (found once, converting the CJK block character by character)."""
    block = "".join(chr(c) for c in range(0x4E00, 0xA000))
    converted = str(_converter().convert("\n".join(block))).split("\n")
    changed = [a for a, b in zip(block, converted, strict=False) if a != b]
    return re.compile("[" + "".join(changed) + "]") if changed else re.compile("(?!)")


def normal(name: str) -> str:
    """A name as compared: NFKC, simplified, lower case, no spaces or quotes."""
    name = simplified(unicodedata.normalize("NFKC", name))
    return re.sub(r"[\s\"'“”「」『』]", "", name).lower()


def slug(name: str) -> str:
    """``钠远新材`` -> ``nayuanxincai``; ``Aidin Robotics`` -> ``aidin-robotics``."""
    from pypinyin import lazy_pinyin

    text = simplified(name)
    joined = "".join(lazy_pinyin(text)) if _HAN.search(text) else text
    return re.sub(r"[^a-z0-9]+", "-", joined.lower()).strip("-") or "unknown"


def _pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(names), key=len, reverse=True)
    latin = [re.escape(n).replace(r"\ ", r"\s?") for n in ordered if n.isascii()]
    other = [re.escape(n).replace(r"\ ", r"\s?") for n in ordered if not n.isascii()]
    # Latin names match at word edges ("Manus" not in "Manuscript"); Chinese anywhere
    parts = ([rf"(?<![A-Za-z0-9])(?:{'|'.join(latin)})(?![A-Za-z])"] if latin else []) + other
    return re.compile("|".join(parts), re.I) if parts else None


@dataclass
class Registry:
    """Companies and investors with their names; ``names.Registry.load()`` reads the data files."""

    companies: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    investors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Registry:
        reg = cls()
        for path in (DATA, *map(Path, extra)):
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"alias file {path}: {exc}") from None
            for cid, entry in data.get("companies", {}).items():
                known = reg.companies.setdefault(cid, {"names": [], "products": [], "founders": [], "misspelled": []})
                for how in known:
                    known[how] += [simplified(n) for n in entry.get(how, []) if n not in known[how]]
                reg.display[cid] = entry.get("display") or reg.display.get(cid) or (known["names"] or [cid])[0]
            for iid, entry in data.get("investors", {}).items():
                reg.investors.setdefault(iid, []).extend(simplified(n) for n in entry.get("names", []))
        return reg

    @cached_property
    def _patterns(self) -> tuple[_Matcher, _Matcher]:
        """All company names as one pattern, all investor names as another (one scan of the text each)."""
        companies = {
            name: (cid, how if how == "misspelled" else how.rstrip("s"))
            for cid, entry in self.companies.items()
            for how, names in entry.items()
            for name in names
        }
        investors = {name: (iid, "name") for iid, names in self.investors.items() for name in names}
        return _Matcher.of(companies), _Matcher.of(investors)

    @cached_property
    def _index(self) -> tuple[dict[str, str], dict[str, str]]:
        companies = {normal(n): cid for cid, e in self.companies.items() for n in e["names"] + e["misspelled"]}
        investors = {normal(n): iid for iid, names in self.investors.items() for n in names}
        return companies, investors

    def companies_in(self, text: str) -> list[Named]:
        """Every known company named in ``text`` (simplified script), in order, longest names first."""
        return self._patterns[0].find(text)

    def investors_in(self, text: str) -> list[Named]:
        return self._patterns[1].find(text)

    def investor_id(self, name: str) -> str:
        """The canonical id of an investor named ``name``, else the name normalised (kept, never dropped)."""
        key = normal(name)
        bare = _SUFFIX.sub("", key)
        known = self._index[1].get(key) or self._index[0].get(key) or self._index[1].get(bare)
        if known:
            return known
        # "CNBC报道阿里巴巴云", "国家集成电路产业投资基金(大基金)": a known name at the end, or before a bracket
        for alias, iid in sorted(self._index[1].items(), key=lambda kv: -len(kv[0])):
            if len(alias) >= 2 and (key.endswith(alias) or key.startswith(alias + "(")):
                return iid
        return _clean_name(name)

    def company_id(self, name: str) -> str | None:
        return self._index[0].get(normal(name))


#: a legal form after a name ("Alibaba Group Holding Ltd.", "腾讯控股有限公司")
_SUFFIX = re.compile(r"(?:,?(?:co\.?,?)?(?:ltd\.?|limited|inc\.?|corp\.?|corporation|plc|llc)|股份有限公司|有限公司)+$")


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", simplified(unicodedata.normalize("NFKC", name))).strip(" 　\"'“”「」")


@dataclass
class _Matcher:
    """Names to (id, how), matched by one pattern; a match is looked up by its text, spaces and case aside."""

    pattern: re.Pattern[str] | None
    lookup: dict[str, tuple[str, str]]
    #: the last texts looked at: the extractor asks of one sentence several times
    seen: dict[str, list[Named]] = field(default_factory=dict)

    @classmethod
    def of(cls, names: dict[str, tuple[str, str]]) -> _Matcher:
        lookup = {_key(n): v for n, v in sorted(names.items(), key=lambda kv: len(kv[0]))}
        return cls(_pattern(names), lookup)

    def find(self, text: str) -> list[Named]:
        if self.pattern is None:
            return []
        if text in self.seen:
            return list(self.seen[text])
        if len(self.seen) > 2048:
            self.seen.clear()
        self.seen[text] = out = self._find(text)
        return list(out)

    def _find(self, text: str) -> list[Named]:
        assert self.pattern is not None
        out = []
        for m in self.pattern.finditer(text):
            hit = self.lookup.get(_key(m.group()))
            if hit is not None:
                out.append(Named(m.start(), m.end(), hit[0], m.group(), hit[1]))
        return out


def _key(name: str) -> str:
    return re.sub(r"\s", "", name).lower()


def _no_overlaps(found: list[Named]) -> list[Named]:
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    out: list[Named] = []
    for n in found:
        if out and n.start < out[-1].end:
            continue
        out.append(n)
    return out


@cache
def default() -> Registry:
    """The bundled names only."""
    return Registry.load()
