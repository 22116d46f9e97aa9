"""``llmwatch backfill`` (issue 18, part 5): a git repository built here from the fixture
versions of a community price table, each committed at its capture time; replayed, it gives
the same events as ingesting those versions by hand, a rerun adds nothing, and a backfill
cut short resumes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cases import FIXTURES
from tests.clirun import Run

#: the table's real versions, as the repository's history would have them
VERSIONS = [
    ("syaoranwe/2024-05-23_README.md", "2024-05-23T10:33:46+00:00"),
    ("syaoranwe/2024-06-05_README.md", "2024-06-05T11:47:38+00:00"),
]


def _commit(repo: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    identity = ["-c", "user.name=llmwatch tests", "-c", "user.email=tests@llmwatch.invalid"]
    subprocess.run(["git", "-C", str(repo), *identity, "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), *identity, "commit", "-q", "-m", message], check=True, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "LLM-Price"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for rel, when in VERSIONS:
        (repo / "README.md").write_bytes((FIXTURES / rel).read_bytes())
        _commit(repo, when, f"prices of {when[:10]}")
    (repo / "LICENSE").write_text("MIT\n")  # a commit that does not touch the table
    _commit(repo, "2024-06-10T00:00:00+00:00", "license")
    return repo


def _run(root: Path) -> Run:
    root.mkdir(parents=True, exist_ok=True)
    return Run(root)


def _events(run: Run) -> list[tuple]:
    code, out, _ = run("events", "--format", "json")
    assert code == 0
    keep = ("type", "occurred_at", "provider", "model", "component", "condition", "old", "new")
    return sorted(tuple(json.loads(line).get(k) for k in keep) for line in out.splitlines())


def test_backfill_gives_the_events_of_ingesting_each_version_by_hand(repo: Path, tmp_path: Path) -> None:
    by_hand = _run(tmp_path / "hand").ingest([(rel, "syaoranwe", when) for rel, when in VERSIONS])
    replayed = _run(tmp_path / "git")
    code, _, err = replayed("backfill", str(repo), "--source", "syaoranwe", "--path", "README.md")
    assert code == 0, err
    assert "2 versions: 2 stored, 0 unchanged, 0 skipped" in err
    assert _events(replayed) == _events(by_hand) and _events(by_hand)
    code, out, _ = replayed("prices", "--all-sources", "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["fetched_at"] for r in rows} == {"2024-06-05T11:47:38Z"}  # the newest commit's time
    # the commit is the evidence
    code, out, _ = replayed("events", "--format", "json")
    head = subprocess.run(["git", "-C", str(repo), "log", "--format=%H", "-1", "--", "README.md"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    assert {json.loads(line)["archive"] for line in out.splitlines()} == {f"git:{repo.resolve()}@{head}:README.md"}

    again = replayed("backfill", str(repo), "--source", "syaoranwe", "--path", "README.md")
    assert again[0] == 0 and "2 versions: 0 stored, 1 unchanged, 1 skipped" in again[2]
    assert _events(replayed) == _events(by_hand)  # a rerun adds nothing


def test_a_backfill_cut_short_resumes(repo: Path, tmp_path: Path) -> None:
    run = _run(tmp_path / "cut")
    code, _, err = run("backfill", str(repo), "--source", "syaoranwe", "--path", "README.md", "--since", "2024-06-01")
    assert code == 0 and "1 versions: 1 stored" in err  # the newer version alone, as if the older were done
    whole = _run(tmp_path / "whole")
    whole("backfill", str(repo), "--source", "syaoranwe", "--path", "README.md")
    first = _run(tmp_path / "first")
    first.ingest([(VERSIONS[0][0], "syaoranwe", VERSIONS[0][1])])  # cut short after the first version
    code, _, err = first("backfill", str(repo), "--source", "syaoranwe", "--path", "README.md")
    assert code == 0 and "2 versions: 1 stored, 1 unchanged, 0 skipped" in err
    assert _events(first) == _events(whole)


def test_not_a_repository_or_no_history_is_a_clear_error(tmp_path: Path, repo: Path) -> None:
    run = _run(tmp_path / "bad")
    code, _, err = run("backfill", str(tmp_path), "--source", "syaoranwe", "--path", "README.md")
    assert code == 2 and "git rev-parse" in err and "not a git repository" in err
    code, _, err = run("backfill", str(repo), "--source", "syaoranwe", "--path", "NOSUCH.md")
    assert code == 3 and "no commit of" in err
