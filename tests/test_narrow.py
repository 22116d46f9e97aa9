"""Tables for people at any width: a narrow terminal (or ``COLUMNS``) drops the least needed
columns and cuts text with …, never a number; piped without ``COLUMNS``, nothing wraps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.cases import FIXTURES

PAGES = [
    ("openrouter/2024-05-15_models.json", "openrouter", "2024-05-15T04:09:05Z"),
    ("openrouter/2024-08-01_models.json", "openrouter", "2024-08-01T07:29:48Z"),
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
]


def _llmwatch(data: Path, *args: str, columns: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"LLMWATCH_DATA_DIR": str(data)}
    if columns:
        env["COLUMNS"] = columns
    done = subprocess.run(
        [sys.executable, "-m", "llmwatch", *args], env=env, capture_output=True, text=True, check=True, cwd=data
    )
    return done.stdout


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("narrow")
    for file, source, at in PAGES:
        _llmwatch(root, "ingest", str(FIXTURES / file), "--source", source, "--fetched-at", at)
    return root


@pytest.mark.parametrize("width", [60, 80, 100])
def test_a_table_fits_the_width_and_keeps_every_number_whole(data: Path, width: int) -> None:
    table = _llmwatch(data, "prices", "--all-sources", columns=str(width))
    lines = table.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    rows = [json.loads(r) for r in _llmwatch(data, "prices", "--all-sources", "--format", "json").splitlines()]
    body = [line for line in lines if line.startswith("│")]
    assert len(body) == len(rows)  # one line a row: nothing wrapped
    cells = [{c.strip() for c in line.split("│")} for line in body]
    models = [r["model"] for r in rows]
    # the CNY column is kept at every width, each figure whole (0.99 for 0.14 USD, 2.0 for 0.28 USD)
    assert all(any(c and c.replace(".", "").isdigit() for c in row) for row in cells)
    assert all("…" not in c for row in cells for c in row if c.replace("…", "").replace(".", "").isdigit())
    if width >= 100:  # the model whole too: the provider and the role went first
        assert all(m in line for m, line in zip(models, body, strict=True))


def test_piped_without_columns_nothing_wraps(data: Path) -> None:
    table = _llmwatch(data, "events")
    events = _llmwatch(data, "events", "--format", "json").splitlines()
    body = [line for line in table.splitlines() if line.startswith("│")]
    assert len(body) == len(events) and all("…" not in line for line in body)
    assert max(cell_len(line) for line in body) > 100  # the summaries at full length
