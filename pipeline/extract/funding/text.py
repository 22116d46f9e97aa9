"""News text as the funding rules read it: one script, no markup, cut into
stories (a digest's items), sentences and clauses.

Real items are headline archives, digests and feed cards as often as articles:
an HTML card, a Markdown heading with its paragraph, a list of links. Each item
of such a list is its own story; a heading left with no body at the end of a
digest is the start of the next item, cut off, and is not read.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from pipeline.extract.names import simplified

_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:div|p|h\d|li|blockquote|tr)>|<blockquote[^>]*>", re.I)
_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_URL = re.compile(r"https?://\S+")
_TAGS = re.compile(r"\[(?:WebSearch|Serper|Bing|Google|Tavily)\]\s*", re.I)
_H_OPEN = re.compile(r"<h\d[^>]*>", re.I)
_LI_OPEN = re.compile(r"<li[^>]*>", re.I)
_BOLD_LINE = re.compile(r"^\*\*[^*].*\*\*$")
_ITEM = re.compile(r"^(?:[-*•]\s|\d{1,3}[.、)]\s?)")
#: a list item that only describes the one before it (an outlet and a day, a summary, an impact note)
_ITEM_PART = re.compile(r"^(?:📍|概要|摘要|影响|要点|关键点|来源|原文|source|summary)", re.I)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])(?=\s+[A-Z\"“])|\n")
_CLAUSE = re.compile(r"[，,；;：:]")


@dataclass
class Story:
    #: the heading or headline line (may be empty), then the body
    head: str
    body: str
    #: an item of a list (a headline archive, a digest's bullet), not a section of one article
    item: bool = False

    @property
    def text(self) -> str:
        return f"{self.head}\n{self.body}".strip()


def clean(text: str, *, marks: bool = False) -> str:
    """NFKC, simplified script, markup and links reduced to their text; lines kept.
    With ``marks``, headings keep a leading ``## `` and list items ``- ``."""
    text = text or ""
    if "<" in text:
        text = _H_OPEN.sub("\n## ", text)
        text = _LI_OPEN.sub("\n- ", text)
        text = _TAG.sub(" ", _BLOCK_END.sub("\n", text))
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = simplified(text).replace("’", "'").replace("‘", "'")
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TAGS.sub("", text)
    text = re.sub(r"(?<![\w])_(?=\S)|(?<=\S)_(?![\w])", "", text)  # Markdown emphasis "_(以下简称…)_"
    lines = (_clean_line(line, marks) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _clean_line(raw: str, marks: bool) -> str:
    line = re.sub(r"[ \t\u3000\xa0]+", " ", raw).strip()
    if marks and _BOLD_LINE.match(line):
        line = "## " + line.strip("* ")
    line = line.replace("**", "").replace("__", "")
    if not marks and (_ITEM.match(line) or line.startswith("#")):
        line = _ITEM.sub("", line.lstrip("# "))
    return line


def stories(title: str, text: str) -> list[Story]:
    """The items of a page: its title and text when it is one article, each item of a digest."""
    out: list[Story] = []
    for n, line in enumerate(clean(f"{title}\n{text}", marks=True).splitlines()):
        if line.startswith("|"):
            continue  # a table row: digests' summary tables mix totals, plans and conversions
        heading = line.startswith("#") or (n == 0 and bool(title.strip()))
        item = bool(_ITEM.match(line))
        body = _ITEM.sub("", line.lstrip("# ")).strip() if heading else (_ITEM.sub("", line) if item else line)
        if not body:
            continue
        if out and item and _ITEM_PART.match(body):
            out[-1].body = f"{out[-1].body}\n{body}".strip()
        elif not out or heading or item:
            out.append(Story(body, "", item) if heading else Story("", body, item))
        else:
            out[-1].body = f"{out[-1].body}\n{body}".strip()
    if len(out) > 1 and out[-1].head and not out[-1].body and not title.lstrip().startswith(("-", "*")):
        out.pop()  # the next digest item's heading, its body cut off
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of a sentence (cut at commas, colons, semicolons)."""
    out, start = [], 0
    for m in _CLAUSE.finditer(sentence):
        # "1,000" and "2,5" are numbers, not clause breaks
        if (
            m.group() == ","
            and sentence[m.start() - 1 : m.start()].isdigit()
            and sentence[m.end() : m.end() + 1].isdigit()
        ):
            continue
        if m.group() == ":" and sentence[m.start() - 1 : m.start()].isdigit():
            continue
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(sentence)))
    return [(a, b) for a, b in out if b > a]


def clause_at(sentence: str, pos: int) -> tuple[int, int]:
    for a, b in clauses(sentence):
        if a <= pos < b or pos == b:
            return a, b
    return 0, len(sentence)
