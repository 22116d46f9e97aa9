"""Configuration: file, environment overrides, data directory and database URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmwatch.config import ConfigError, load


def test_defaults_put_everything_in_the_data_dir(tmp_path: Path) -> None:
    s = load(env={"LLMWATCH_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'llmwatch.db'}"
    assert s.warc_dir == tmp_path / "warc"
    assert s.removal_after == 2 and "deepseek" in s.scope


def test_file_then_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "llmwatch.toml"
    cfg.write_text('[changes]\nremoval_after = 3\n[sources]\nproviders = ["deepseek"]\n[crawl]\nobey_robots = true\n')
    env = {
        "LLMWATCH_CHANGES_REMOVAL_AFTER": "4",
        "LLMWATCH_CRAWL_OBEY_ROBOTS": "false",
        "LLMWATCH_DATABASE_URL": "postgresql+psycopg://u@h/db",
    }
    s = load(cfg, env)
    assert (s.removal_after, s.crawl["obey_robots"], s.scope) == (4, False, frozenset({"deepseek"}))
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_a_broken_or_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[changes\n")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load(bad, {})
    with pytest.raises(ConfigError, match="config file not found"):
        load(tmp_path / "nope.toml", {})
