"""De-duplication at scale: 10k, 30k and 100k generated news articles through
the three levels of ``pipeline/dedup.py``: canonical URL, near-duplicate text
(MinHash LSH plus exact Jaccard), and funding-event clustering (extraction,
then ``same_round`` against the company's events).

Stories are reported 1-4 times, under URL variants (tracking parameters,
mobile hosts) and lightly rewritten text; about a third are funding rounds.
Each size runs in its own process (peak RSS is per process). The baseline is
the 10k run: ``ratio`` is the time per article at 100k over that at 10k
(1.0 = linear).

    python -m bench.dedup [--sizes 10000,30000,100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

COMPANIES = ["月之暗面", "智谱AI", "百川智能", "MiniMax", "零一万物", "阶跃星辰", "深度求索"]
INVESTORS = ["阿里巴巴", "腾讯", "红杉中国", "美团", "小米", "高瓴资本", "社保基金"]
ROUNDS = ["A轮", "B轮", "C轮", "战略"]
TOPICS = ["大模型", "推理成本", "开源", "智能体", "长上下文", "多模态", "算力", "价格战", "API", "开发者"]
_VOCAB = random.Random(0)
#: 6,000 words of 2-4 characters, and 5,000 sentences made of them (made once, before any timing):
#: different stories share few 5-grams, as real ones do
WORDS = ["".join(chr(_VOCAB.randint(0x4E00, 0x9FA5)) for _ in range(_VOCAB.randint(2, 4))) for _ in range(6000)]
SENTENCES = [
    "".join(_VOCAB.choice(WORDS) for _ in range(8)) + "，" + "".join(_VOCAB.choice(WORDS) for _ in range(10)) + "。"
    for _ in range(5000)
]


def url_of(story: int, copy: int) -> str:
    host = ["www.36kr.com", "m.36kr.com", "www.jiqizhixin.com", "tech.163.com"][copy % 4]
    return f"https://{host}/p/{story}.html" + (f"?utm_source=feed&from={copy}" if copy else "")


def article(story: int, copy: int) -> tuple[str, str, datetime]:
    """Title, text and date of one report of ``story``: the story's facts, lightly rewritten per
    copy. Picks by arithmetic on the ids (no random generator to seed): cheap, so the timing is
    the pipeline's, not the generator's."""

    def pick(seq: list[str], *salt: int) -> str:
        return seq[hash((story, *salt)) % len(seq)]

    company = pick(COMPANIES, 1)
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=hash((story, 2)) % 700)
    sentences = [company + pick(SENTENCES, 3, k) for k in range(14)]
    if story % 3 == 0:  # a funding round
        amount, rnd, lead = hash((story, 4)) % 89 + 2, pick(ROUNDS, 5), pick(INVESTORS, 6)
        title = f"{company}完成{amount}亿元{rnd}融资，{lead}领投"
        sentences.insert(1, f"本轮融资由{lead}领投，老股东跟投，融资金额为{amount}亿元。")
    else:
        title = f"{company}发布{pick(TOPICS, 7)}新进展（{story}）"
    if copy:
        for k in range(len(sentences)):
            if hash((story, copy, k, 8)) % 100 < 8:
                sentences[k] = f"据{pick(INVESTORS, copy, k, 9)}相关人士透露，{pick(SENTENCES, copy, k, 10)}"
    return title, "".join(sentences), when + timedelta(hours=copy * 5)


def run(n: int) -> None:
    from pipeline import dedup
    from pipeline.funding import NoFunding, extract_funding

    rng = random.Random(n)
    plan = []  # (story, copy): the articles are made when read, as a feed would deliver them
    story = 0
    while len(plan) < n:
        plan += [(story, copy) for copy in range(rng.choice([1, 1, 2, 3, 4]))]
        story += 1
    plan = plan[:n]
    rng.shuffle(plan)
    start = time.perf_counter()
    urls: dict[str, int] = {}
    index = dedup.TextIndex()
    events: dict[str, list[tuple[dedup.RoundKey, int]]] = {}
    rounds = 0
    unique = []
    for i, (story, copy) in enumerate(plan):  # 1. URLs
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
