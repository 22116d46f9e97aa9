"""Memory: peak RSS of llmwatch crawls of 2,000 and 20,000 pages of the local
site (bench/site.py), SQLite, each crawl in its own process (the storage
process measured too). A flat memory profile means the larger crawl's peak
is close to the smaller one's: ``ratio`` is peak(20,000) / peak(2,000).

    python -m bench.memory [--pages 2000,20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.site import Served, urls

ROOT = Path(__file__).parent.parent


def crawl(n: int, base: str, tmp: str) -> dict[str, float]:
    url_file = Path(tmp) / f"urls-{n}.txt"
    url_file.write_text("\n".join(urls(base, n)))
    data = tempfile.mkdtemp(dir=tmp)
    code = (
        "import json, resource, sys, time\n"
        "from bench.crawl import full\n"
        f"start = time.perf_counter(); full({str(url_file)!r}, {data!r}, 'sqlite:///{data}/llmwatch.db')\n"
        "own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'crawl_mb': own.ru_maxrss / 1024, 'storage_mb': kids.ru_maxrss / 1024,"
        " 'seconds': time.perf_counter() - start}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="2000,20000")
    sizes = [int(n) for n in ap.parse_args().pages.split(",")]
    peaks = {}
    with Served(max(sizes)) as site, tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            got = crawl(n, site.base, tmp)
            peaks[n] = max(got["crawl_mb"], got["storage_mb"])
            print(
                f"{n} pages in {got['seconds']:.0f} s: peak RSS crawl process {got['crawl_mb']:.0f} MB, "
                f"storage process {got['storage_mb']:.0f} MB"
            )
    small, large = min(peaks), max(peaks)
    print(f"largest peak at {large:,} pages: {peaks[large]:.0f} MB (target: under 300 MB)")
    print(f"ratio: {peaks[large] / peaks[small]:.2f} (peak RSS at {large:,} pages / at {small:,})")


if __name__ == "__main__":
    main()
