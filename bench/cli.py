"""Start-up of the command line: ``llmwatch --help`` and ``llmwatch prices`` on a database
of the demo's real pages, beside a bare ``python -c pass`` on the same machine, same run.

Targets (issue 16): ``--help`` under 0.3 s, ``prices`` under 0.5 s. Prints each median of
7 runs and ``ratio: X`` (``prices`` / ``python -c pass``), and beside them the import of
the libraries a query is written in (SQLAlchemy, Typer, Rich): the floor no lazy import
removes, which on a slow machine is itself near the target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
#: the demo's pages (scripts/demo.sh), each as if crawled on its capture date
PAGES = [
    ("openrouter/2024-05-15_models.json", "openrouter", "2024-05-15T04:09:05Z"),
    ("syaoranwe/2024-05-23_README.md", "syaoranwe", "2024-05-23T10:33:46Z"),
    ("llmprice_cn/2024-05-25_README.md", "llmprice_cn", "2024-05-25T01:15:21Z"),
    ("syaoranwe/2024-06-05_README.md", "syaoranwe", "2024-06-05T11:47:38Z"),
    ("openrouter/2024-08-01_models.json", "openrouter", "2024-08-01T07:29:48Z"),
    ("litellm/2025-02-06_model-prices.json", "litellm", "2025-02-06T02:56:03Z"),
    ("deepseek/2025-12-20_en_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("deepseek/2025-12-20_zh_crawler-markdown.md", "deepseek", "2025-12-20T14:04:07Z"),
    ("litellm/2026-01-13_model-prices.json", "litellm", "2026-01-13T22:08:35Z"),
    ("llmprice_cn/2026-01-29_index.html", "llmprice_cn", "2026-01-28T22:40:52Z"),
]


def _time(args: list[str], env: dict[str, str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


COMMAND = str(Path(sys.executable).parent / "llmwatch")


def demo_database(data: str) -> dict[str, str]:
    """The demo's pages ingested into a database in ``data``; the environment that uses it."""
    env = {**os.environ, "LLMWATCH_DATA_DIR": data}
    env.pop("LLMWATCH_DATABASE_URL", None)
    for file, source, at in PAGES:
        subprocess.run(
            [COMMAND, "ingest", str(FIXTURES / file), "--source", source, "--fetched-at", at],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            cwd=data,
        )
    return env


def main() -> None:
    command = COMMAND
    with tempfile.TemporaryDirectory() as data:
        env = demo_database(data)
        bare = _time([sys.executable, "-c", "pass"], env)
        helped = _time([command, "--help"], env)
        # what the query commands cannot do without: the libraries they are written in
        floor = _time([sys.executable, "-c", "import sqlalchemy.orm, typer, rich.console"], env)
        prices = _time([command, "prices"], env)
    print(f"python -c pass: {bare:.3f} s")
    print(f"python -c 'import sqlalchemy.orm, typer, rich.console': {floor:.3f} s (the libraries alone)")
    print(f"llmwatch --help: {helped:.3f} s (target < 0.3 s: {'met' if helped < 0.3 else 'missed'})")
    print(f"llmwatch prices: {prices:.3f} s (target < 0.5 s: {'met' if prices < 0.5 else 'missed'})")
    print(f"ratio: {prices / bare:.1f} (llmwatch prices / python -c pass)")
    print(f"ratio: {prices / floor:.2f} (llmwatch prices / the libraries' import alone)")


if __name__ == "__main__":
    main()
