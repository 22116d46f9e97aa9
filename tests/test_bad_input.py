"""Bad input, generated: real fixtures mutated (truncated, lines dropped or
shuffled, random bytes, huge or negative numbers, unknown currencies, headers
gone, NUL bytes, empty) go through extraction, ``extract`` and ``ingest``:
never a traceback, never a parser crash, a reject with its reason, the
contract's exit codes, each within a time limit."""

from __future__ import annotations

import random
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler import registry
from llmwatch.cli import main as cli
from pipeline.extract.dedup import canonical_url
from pipeline.extract.records import Page
from pipeline.store.ingest import ingest
from tests.cases import FIXTURES, cases

PRICING = [p for p in cases() if registry.get(p.parent.name).kind == "pricing"]
OPS = [
    "truncate",
    "drop_lines",
    "shuffle_lines",
    "random_bytes",
    "huge",
    "negative",
    "currency",
    "no_header",
    "nul",
    "empty",
]


@dataclass(frozen=True)
class Mutation:
    """A real fixture and what was done to it (a short repr for failure reports)."""

    source: str
    name: str
    op: str
    seed: int

    @property
    def data(self) -> bytes:
        return mutate((FIXTURES / self.source / self.name).read_bytes(), self.op, random.Random(self.seed))


def mutate(data: bytes, op: str, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if op == "truncate":
        return data[: rng.randrange(0, max(1, len(data)))]
    if op == "drop_lines":
        return b"\n".join(line for line in lines if rng.random() > 0.3)
    if op == "shuffle_lines":
        rng.shuffle(lines)
        return b"\n".join(lines)
    if op == "random_bytes":
        buf = bytearray(data)
        for i in [rng.randrange(len(data)) for _ in range(20)] if data else []:
            buf[i] = rng.randrange(256)
        return bytes(buf)
    if op == "huge":
        return re.sub(rb"\d+\.\d+", b"9" * 40, data, count=5)
    if op == "negative":
        return re.sub(rb"(?<![\d.])(\d+\.\d+)", rb"-\1", data, count=5)
    if op == "currency":
        return data.replace("元".encode(), "€".encode()).replace(b"$", "£".encode())
    if op == "no_header":
        return b"\n".join(line for line in lines if not re.search("模型|Model|MODEL|input|输入".encode(), line))
    if op == "nul":
        return data.replace(b"|", b"|\x00", 10).replace(b"<td>", b"<td>\x00", 10)
    return b""  # empty


@st.composite
def mutated(draw: st.DrawFn) -> Mutation:
    path = draw(st.sampled_from(PRICING))
    return Mutation(path.parent.name, path.name, draw(st.sampled_from(OPS)), draw(st.integers(0, 2**32)))


@settings(max_examples=200, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_extraction_never_crashes_and_always_says_why(case: Mutation) -> None:
    source, data = case.source, case.data
    page = Page(registry.get(source).start_urls[0], data, datetime(2025, 1, 1, tzinfo=UTC))
    result = registry.extract(source, page)
    assert not [r for r in result.rejects if r.reason.startswith("extraction failed")], result.rejects  # no bug
    assert result.rows or result.empty_reason
    for row in result.rows:
        assert 0 <= row.cny_per_mtok <= 10_000_000 and row.currency in ("CNY", "USD")
        assert row.model and row.component


def test_negative_huge_and_foreign_prices_are_rejects_not_rows() -> None:
    text = (
        "| 模型 | 输入 | 输出 |\n| --- | --- | --- |\n| glm-a | -2元/百万tokens | 3元/百万tokens |\n"
        f"| glm-b | {'9' * 30}元/百万tokens | 3元/百万tokens |\n| glm-c | €2/M tokens | 3元/百万tokens |\n"
    )
    result = registry.extract(
        "generic", Page("https://x/", text.encode(), datetime(2025, 1, 1, tzinfo=UTC)), provider="zhipu"
    )
    assert sorted((r.model, r.component) for r in result.rows) == [
        ("glm-a", "output"),
        ("glm-b", "output"),
        ("glm-c", "output"),
    ]
    reasons = " | ".join(r.reason for r in result.rejects)
    assert "negative price" in reasons and "implausible price" in reasons and "unknown currency" in reasons


@settings(
    max_examples=40,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated())
def test_extract_command_exits_0_or_3_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: Mutation
) -> None:
    source, data = case.source, case.data
    file = tmp_path / "page"
    file.write_bytes(data)
    monkeypatch.setenv("LLMWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "argv", ["llmwatch", "extract", str(file), "--source", source, "--format", "json"])
    with pytest.raises(SystemExit) as done:
        cli.run()
    out, err = capsys.readouterr()
    assert done.value.code in (0, 3) and "Traceback" not in out + err
    if done.value.code == 3:
        lines = err.strip().splitlines()  # rejects as warnings, then one error line
        assert lines[-1].startswith("error:") and sum(line.startswith("error:") for line in lines) == 1


@settings(
    max_examples=30,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(mutated(), min_size=1, max_size=4))
def test_ingest_of_mutated_pages_stores_or_rejects_and_reruns_change_nothing(tmp_path: Path, case_list) -> None:
    from db.engine import session_factory

    factory = session_factory(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")  # a fresh database each example
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i, case in enumerate(case_list):
        source, data = case.source, case.data
        page = Page(registry.get(source).start_urls[0], data, start + timedelta(days=i))
        result = ingest(factory, source, page, lambda p, s=source: registry.extract(s, p))
        assert result.status in ("stored", "empty", "unchanged")
        assert result.rows or result.rejects or result.events or result.status == "unchanged"  # events: broken
        again = ingest(factory, source, page, lambda p, s=source: registry.extract(s, p))
        assert again.status == "unchanged" and not again.events


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_canonical_urls_are_idempotent(text: str) -> None:
    url = f"https://www.example.com/{text}?utm_source=x&id=1"
    try:
        once = canonical_url(url)
    except ValueError:
        return
    assert canonical_url(once) == once
