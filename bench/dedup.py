"""De-duplication at scale: 10k, 30k and 100k generated news articles through
the three levels of ``pipeline/extract/dedup.py``: canonical URL, near-duplicate text
(MinHash LSH plus exact Jaccard), and funding-event clustering (extraction,
then ``same_round`` against the company's events).

The reports come from ``bench/news.py`` (what ``bench/site.py`` serves as a
feed and article pages), read here directly: the timing is the pipeline's.
Each size runs in its own process (peak RSS is per process). The baseline is
the 10k run: ``ratio`` is the time per article at 100k over that at 10k
(1.0 = linear).

    python -m bench.dedup [--sizes 10000,30000,100000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.news import article, plan, url_of


def run(n: int) -> None:
    from pipeline.extract import dedup
    from pipeline.extract.funding import NoFunding, extract_funding

    reports = plan(n)  # (story, copy): the articles are made when read, as a feed would deliver them
    start = time.perf_counter()
    urls: dict[str, int] = {}
    index = dedup.TextIndex()
    events: dict[str, list[tuple[dedup.RoundKey, int]]] = {}
    rounds = 0
    unique = []
    for i, (story, copy) in enumerate(reports):  # 1. URLs
        canonical = dedup.canonical_url(url_of(story, copy))
        if canonical not in urls:
            urls[canonical] = i
            unique.append((i, canonical, story, copy))

    def texts() -> Iterator[tuple[str, str, int]]:
        for i, canonical, story, copy in unique:
            title, text, _ = article(story, copy)
            yield canonical, f"{title}\n{text}", i

    url_s = time.perf_counter() - start
    # 2. text: what NewsStore does when it rebuilds its index at start, on both cores
    placed = index.add_many(texts(), processes=2)
    stories = sum(story == i for (i, *_), story in zip(unique, placed, strict=True))
    text_s = time.perf_counter() - start - url_s
    for _, _, story, copy in unique:  # 3. events
        title, text, when = article(story, copy)
        try:
            report = extract_funding(title, text, when)
        except NoFunding:
            continue
        key = dedup.key_of(report)
        held = events.setdefault(key.company, [])
        if not any(dedup.same_round(key, other) for other, _ in held):
            held.append((key, i))
            rounds += 1
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} {took:.3f} {peak:.0f} {len(urls)} {stories} {rounds} {url_s:.1f} {text_s:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--child", type=int)
    a = ap.parse_args()
    if a.child:
        run(a.child)
        return
    per: dict[int, float] = {}
    for n in map(int, a.sizes.split(",")):
        cmd = [sys.executable, "-m", "bench.dedup", "--child", str(n)]
        out = subprocess.run(cmd, cwd=Path(__file__).parent.parent, capture_output=True, text=True, check=True)
        size, took, peak, kept, stories, rounds, url_s, text_s = out.stdout.split()
        per[n] = float(took) / n
        events_s = float(took) - float(url_s) - float(text_s)
        print(
            f"{size} articles: {float(took):.1f} s ({n / float(took):,.0f}/s; URL {url_s} s, text {text_s} s, "
            f"events {events_s:.1f} s), peak RSS {peak} MB; "
            f"{kept} after URL de-dup, {stories} stories, {rounds} funding events"
        )
    small, large = min(per), max(per)
    print(f"ratio: {per[large] / per[small]:.2f} (time per article at {large:,} / at {small:,}; 1.0 is linear)")


if __name__ == "__main__":
    main()
