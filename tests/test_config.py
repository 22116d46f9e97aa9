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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[changes]\nremoval_afterr = 3\n", "[changes]: unknown key 'removal_afterr'; did you mean 'removal_after'?"),
        ("[changez]\nremoval_after = 3\n", "unknown section [changez]; did you mean 'changes'?"),
        (
            '[changes]\ndiscrepancy_pct = "ten"\n',
            "[changes] discrepancy_pct: Input should be a valid decimal (got 'ten')",
        ),
        ('datadir = "/tmp/x"\n', "top level: unknown key 'datadir'; did you mean 'data_dir'?"),
        (
            '[schedule.sources]\ndeepseek = { cronn = "0 * * * *" }\n',
            "[schedule.sources.deepseek]: unknown key 'cronn'; did you mean 'cron'?",
        ),
        ('[schedule]\npricing = "6"\n', "[schedule] pricing: not an interval (use e.g. 30m, 6h, 1d) (got '6')"),
        ('[schedule]\ntimezone = "Asia/Beijing"\n', "[schedule] timezone: not a time zone"),
        ("[crawl]\ntimeout = -1\n", "[crawl] timeout: Input should be greater than 0 (got -1)"),
        ("[health]\nmax_reject_rate = 2\n", "[health] max_reject_rate: Input should be less than or equal to 1"),
        ('[currency]\nusd_cny = { "2024" = "7.1" }\n', "[currency] usd_cny: '2024' is not a date (YYYY-MM-DD)"),
        ("[alerts]\ndigest = 3\n", "[alerts] digest: Input should be a valid boolean"),
    ],
)
def test_a_wrong_key_or_value_in_the_file_names_it(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "llmwatch.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(cfg, {})
    assert str(caught.value).startswith(f"{cfg}: {message}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LLMWATCH_STORE_BATCH_SIZE": "abc"},
            "LLMWATCH_STORE_BATCH_SIZE: 'abc' is not a whole number (the default is 100)",
        ),
        ({"LLMWATCH_CRAWL_DOWNLOAD_DELAY": "soon"}, "LLMWATCH_CRAWL_DOWNLOAD_DELAY: 'soon' is not a number"),
        ({"LLMWATCH_SCHEDULE_PRICING": "often"}, "LLMWATCH_SCHEDULE_PRICING: [schedule] pricing: not an interval"),
        ({"LLMWATCH_STORE_BATCH_SIZE": "0"}, "LLMWATCH_STORE_BATCH_SIZE: [store] batch_size: Input should be greater"),
    ],
)
def test_a_wrong_environment_variable_names_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(None, env)
    assert str(caught.value).startswith(message)


def test_the_example_file_and_the_defaults_are_valid(tmp_path: Path) -> None:
    example = Path(__file__).parent.parent / "llmwatch.example.toml"
    assert load(example, {}).removal_after == 2
    assert load(None, {}).crawl["timeout"] == 30
    # the defaults alone are not re-checked at every start (llmwatch.config._check), so check them here
    from llmwatch.config import DEFAULTS
    from llmwatch.schema import Config

    Config.model_validate(DEFAULTS)


def test_a_config_error_reaches_the_user_as_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "llmwatch.toml").write_text("[changes]\nremoval_afterr = 3\n")
    done = subprocess.run(
        [sys.executable, "-m", "llmwatch", "prices"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "error: llmwatch.toml: [changes]: unknown key 'removal_afterr'; did you mean 'removal_after'?\n"
    )
