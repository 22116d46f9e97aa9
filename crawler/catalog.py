"""What each source is (name, kind, whose page, how far its word counts, what it
fetches), read from the text of the spider modules rather than by importing them.

The query commands (``prices``, ``plot``, ``sources``, filters, staleness limits)
need only this, and importing a spider loads Scrapy and Twisted (a third of a
second of a half-second budget). The attributes are literals on the spider classes
(``name = "deepseek"``, ``owner = "deepseek"``), or names of literals in the same
module, or names imported from a module that is not a spider (``start_urls =
FEEDS``, ``[ECB_URL]``); ``tests/test_catalog.py`` checks that what is read here is
what the imported classes say, for every source.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BASE = "PriceSpider"


@dataclass(frozen=True)
class Card:
    """A source's identity; the defaults are ``crawler.base.PriceSpider``'s own."""

    name: str
    kind: str
    authority: int
    owner: str | None
    description: str = ""
    experimental: bool = False
    #: the pages it fetches by default (``[crawl.urls]`` and ``[news] feeds`` may replace them)
    start_urls: tuple[str, ...] = ()


_FIELDS = tuple(f.name for f in fields(Card))


class _Names:
    """What a name in a spider module stands for: a literal assigned at module level, or
    a value imported from a module outside the spiders (imported to read it)."""

    def __init__(self, tree: ast.Module) -> None:
        self.consts: dict[str, Any] = {}
        self.imported: dict[str, tuple[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith("crawler.spiders"):
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    self.consts[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue

    def value(self, node: ast.expr) -> Any:
        try:
            return ast.literal_eval(node)
        except ValueError:
            pass
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.consts[node.id]
        if isinstance(node, ast.Name) and node.id in self.imported:
            module, attr = self.imported[node.id]
            return getattr(importlib.import_module(module), attr)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        raise ValueError(ast.dump(node))


def _literals(body: list[ast.stmt], names: _Names) -> dict[str, Any]:
    """The class attributes among ``_FIELDS`` whose values can be read without running the module."""
    found: dict[str, Any] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in _FIELDS:
            try:
                found[target.id] = names.value(value)
            except ValueError:  # computed: the check against the imported classes names it
                continue
    return found


def _classes(path: Path) -> dict[str, tuple[list[str], dict[str, Any]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = _Names(tree)
    return {
        node.name: ([b.id for b in node.bases if isinstance(b, ast.Name)], _literals(node.body, names))
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


@cache
def cards() -> dict[str, Card]:
    """Every source by name, sorted, as ``crawler.registry.sources()`` finds them."""
    classes = _classes(HERE / "base.py")
    for path in sorted((HERE / "spiders").glob("*.py")):
        classes.update(_classes(path))
    defaults = classes[BASE][1]

    def attrs(cls: str) -> dict[str, Any] | None:  # a class's attributes down from PriceSpider
        if cls == BASE:
            return dict(defaults)
        bases, own = classes.get(cls, ([], {}))
        for base in bases:
            inherited = attrs(base)
            if inherited is not None:
                return inherited | own
        return None

    found = {}
    for cls in classes:
        values = attrs(cls) if cls != BASE else None
        if values and values.get("name"):
            values["start_urls"] = tuple(values.get("start_urls") or ())
            found[values["name"]] = Card(**{k: values[k] for k in _FIELDS if k in values})
    return dict(sorted(found.items()))


def authority(source: str, provider: str) -> int:
    """How far ``source``'s word counts for ``provider``'s prices: 3 only on the provider's own
    page, 0 for a source llmwatch does not know."""
    card = cards().get(source)
    if card is None:
        return 0
    return card.authority if card.authority < 3 or card.owner == provider else 2


def official_sources() -> frozenset[tuple[str, str]]:
    """(source, provider) of the providers' own pages: authoritative where sources disagree."""
    return frozenset((name, card.owner) for name, card in cards().items() if card.owner)
