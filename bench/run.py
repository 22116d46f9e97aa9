"""``make bench``: run every benchmark in bench/, each in its own process;
each prints its figures and ends with a line ``ratio: X``."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

BENCHES = [
    "bench.crawl",
    "bench.dedup",
    "bench.memory",
    "bench.dates",
    "bench.extraction_quality",
    "bench.fx_quality",
    "bench.cli",
    "bench.serve",
]


def main() -> int:
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}")
    failed = 0
    for module in BENCHES:
        print(f"\n== {module}")
        failed += subprocess.call([sys.executable, "-m", module], cwd=Path(__file__).parent.parent) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
