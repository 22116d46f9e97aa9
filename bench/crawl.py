"""Crawl throughput: llmwatch's full pipeline (parse, normalise, de-duplicate
by content hash, store, detect changes, reconcile sources) against a bare
Scrapy spider that parses the same pages into plain dicts with no pipeline;
then a recrawl of the unchanged site against the first crawl.

Same site (bench/site.py, its own process), same Scrapy settings, each crawl
in its own process, in this run. SQLite always; PostgreSQL when
``LLMWATCH_BENCH_PG`` (or the default 127.0.0.1 test database) answers.

    python -m bench.crawl [--pages 2000] [--backend sqlite|postgresql|both] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median

from bench.site import Served, etag, urls

ROOT = Path(__file__).parent.parent
PG = os.environ.get("LLMWATCH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
COMMON = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "ERROR",
    "TELNETCONSOLE_ENABLED": False,
}


def bare(url_file: str, conditional: bool = False) -> None:
    """The baseline: a plain Scrapy spider, parsel CSS, one dict per page carrying its rows.
    ``conditional``: the recrawl's baseline, each page asked with its ETag (a 304, no body)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in Path(url_file).read_text().split():
                if not conditional:
                    yield scrapy.Request(url, dont_filter=True)
                    continue
                tag = etag(int(url.rsplit("/", 1)[-1][:-5]))  # the page's unchanged version
                meta = {"handle_httpstatus_list": [304]}
                yield scrapy.Request(url, dont_filter=True, headers={"If-None-Match": tag}, meta=meta)

        def parse(self, response):  # type: ignore[no-untyped-def]
            rows = []
            for tr in response.css("table tr")[1:]:
                cells = ["".join(td.css("::text").getall()).strip() for td in tr.css("td")]
                rows.append({"model": cells[0], "context": cells[1], "input": cells[2], "output": cells[3]})
            yield {"url": response.url, "status": response.status, "rows": rows}

    # the clock starts where llmwatch's does: before Scrapy's crawler and engine are built
    start = time.perf_counter()
    process = CrawlerProcess(COMMON)
    process.crawl(Bare)
    process.start()
    print(f"elapsed {time.perf_counter() - start:.3f}", file=sys.stderr)


def full(url_file: str, data: str, database: str) -> None:
    """llmwatch's crawl, as ``llmwatch crawl`` runs it, with the same politeness settings."""
    from crawler import run
    from llmwatch import config

    env = {
        "LLMWATCH_DATA_DIR": data,
        "LLMWATCH_DATABASE_URL": database,
        "LLMWATCH_CRAWL_OBEY_ROBOTS": "false",
        "LLMWATCH_CRAWL_DOWNLOAD_DELAY": "0",
        "LLMWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "16",
        "LLMWATCH_CRAWL_AUTOTHROTTLE": "false",
        # the local site is on 127.0.0.1, which crawls refuse by default (crawler.addresses)
        "LLMWATCH_CRAWL_ALLOW_HOSTS": "127.0.0.1",
    }
    cfg = config.load(None, env)
    start = time.perf_counter()
    summary = run.crawl(cfg, ["aliyun"], urls={"aliyun": Path(url_file).read_text().split()})
    took = time.perf_counter() - start
    for child in multiprocessing.active_children():  # the storage process, still shutting down
        child.join()
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (
        f"CPU: crawl process {own.ru_utime + own.ru_stime:.1f} s, storage process {kids.ru_utime + kids.ru_stime:.1f} s"
    )
    print(json.dumps({**summary.counts, "cpu": cpu}), file=sys.stderr)
    print(f"elapsed {took:.3f}", file=sys.stderr)


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent (every process: the site's, PostgreSQL's too)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def timed(args: list[str]) -> tuple[float, str]:
    """Seconds (the crawl itself, imports excluded) and the counts of one crawl in its own process."""
    cmd = [sys.executable, "-m", "bench.crawl", *args]
    before = machine_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    machine = machine_cpu() - before
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("elapsed "):
        raise SystemExit(f"crawl failed: {proc.stderr[-2000:]}")
    counts = next((line for line in reversed(lines) if line.startswith("{")), "")
    counts += f" machine CPU {machine:.1f} s"
    return float(lines[-1].split()[1]), counts


def pg_available() -> bool:
    try:
        import sqlalchemy

        with sqlalchemy.create_engine(PG).connect():
            return True
    except Exception:
        return False


def fresh_pg_schema() -> str:
    import sqlalchemy

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with sqlalchemy.create_engine(PG).begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    return f"{PG}?options=-csearch_path%3D{schema}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    ap.add_argument("--rounds", type=int, default=3, help="baseline and llmwatch alternate; medians are reported")
    ap.add_argument("--child", nargs="*")  # internal: run one crawl in this process
    a = ap.parse_args()
    if a.child:
        if a.child[0] in ("bare", "bare304"):
            bare(a.child[1], conditional=a.child[0] == "bare304")
        else:
            full(a.child[1], a.child[2], a.child[3])
        return
    backends = ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]
    if "postgresql" in backends and not pg_available():
        print("PostgreSQL not reachable: SQLite only")
        backends = ["sqlite"]
    # this machine's speed drifts by a third within minutes: each round runs the baseline right
    # before llmwatch, and the ratios of the rounds are compared, not one run's figures
    crawl: dict[str, list[float]] = {b: [] for b in backends}
    recrawl: dict[str, list[float]] = {b: [] for b in backends}
    fetch_only: dict[str, list[float]] = {b: [] for b in backends}
    with Served(a.pages) as site, tempfile.TemporaryDirectory() as tmp:
        url_file = str(Path(tmp) / "urls.txt")
        Path(url_file).write_text("\n".join(urls(site.base, a.pages)))
        for n in range(1, a.rounds + 1):
            print(f"round {n}")
            for backend in backends:
                base, _ = timed(["--child", "bare", url_file])
                base_rate = a.pages / base
                print(f"  bare Scrapy, parsel, dicts, no pipeline: {base:.1f} s = {base_rate:.0f} pages/s")
                data = tempfile.mkdtemp(dir=tmp)
                db = f"sqlite:///{data}/llmwatch.db" if backend == "sqlite" else fresh_pg_schema()
                first, counts = timed(["--child", "full", url_file, data, db])
                again, counts2 = timed(["--child", "full", url_file, data, db])
                rate, rate2 = a.pages / first, a.pages / again
                print(f"  llmwatch full pipeline, {backend}: {first:.1f} s = {rate:.0f} pages/s {counts}")
                print(f"  llmwatch recrawl (unchanged, 304), {backend}: {again:.1f} s = {rate2:.0f} pages/s {counts2}")
                fetch, _ = timed(["--child", "bare304", url_file])
                print(f"  bare Scrapy, the same pages answered 304: {fetch:.1f} s = {a.pages / fetch:.0f} pages/s")
                print(
                    f"    crawl vs bare Scrapy: {rate / base_rate:.2f}x; recrawl vs first crawl: {rate2 / rate:.2f}x; "
                    f"recrawl vs bare Scrapy's 304s: {rate2 / (a.pages / fetch):.2f}x"
                )
                fetch_only[backend].append(rate2 / (a.pages / fetch))
                crawl[backend].append(rate / base_rate)
                recrawl[backend].append(rate2 / rate)
    for backend in backends:
        print(
            f"{backend}: crawl vs bare Scrapy, median {median(crawl[backend]):.2f}x "
            f"({', '.join(f'{r:.2f}' for r in crawl[backend])}); recrawl vs first crawl, median "
            f"{median(recrawl[backend]):.2f}x ({', '.join(f'{r:.2f}' for r in recrawl[backend])}); "
            f"recrawl vs bare Scrapy fetching the same 304s, median {median(fetch_only[backend]):.2f}x"
        )
    print(f"recrawl ratio (median, worst backend): {min(median(r) for r in recrawl.values()):.2f}")
    worst = min(median(r) for r in crawl.values())
    print(
        f"ratio: {worst:.2f} (llmwatch full pipeline / bare Scrapy pages per second, median of rounds, worst backend)"
    )


if __name__ == "__main__":
    main()
