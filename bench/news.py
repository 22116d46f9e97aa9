"""Generated news reports for the benchmarks: stories reported 1-4 times, under
URL variants (tracking parameters, mobile hosts) and lightly rewritten text;
about a third are funding rounds ("{company}完成{n}亿元{round}融资，{lead}领投").
``bench/dedup.py`` reads them directly; ``bench/site.py`` serves them as an RSS
feed and article pages, shaped like the outlets' (header, article body, footer).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

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


def plan(n: int) -> list[tuple[int, int]]:
    """``n`` reports as (story, copy), stories 1-4 times, in an order that is fixed for ``n``."""
    rng = random.Random(n)
    out: list[tuple[int, int]] = []
    story = 0
    while len(out) < n:
        out += [(story, copy) for copy in range(rng.choice([1, 1, 2, 3, 4]))]
        story += 1
    out = out[:n]
    rng.shuffle(out)
    return out


def article_html(story: int, copy: int) -> bytes:
    """One report as an outlet's article page."""
    title, text, when = article(story, copy)
    paragraphs = "".join(f"<p>{escape(s)}。</p>" for s in text.split("。") if s)
    nav = "".join(f'<li><a href="/news/channel/{k}">频道 {k}</a></li>' for k in range(12))
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta property="article:published_time" content="{when.isoformat()}"></head>'
        f'<body><header><ul class="nav">{nav}</ul></header><main><article><h1>{escape(title)}</h1>'
        f'<time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M}</time>{paragraphs}</article></main>'
        "<footer><p>本文来自科技媒体，转载请注明出处。</p></footer></body></html>"
    ).encode()


def feed_xml(base: str, reports: list[tuple[int, int]]) -> bytes:
    """An RSS 2.0 feed of ``reports``, each linking to its article page on ``base``."""
    items = []
    for k, (story, copy) in enumerate(reports):
        title, text, when = article(story, copy)
        items.append(
            f"<item><title>{escape(title)}</title><link>{base}/news/{k}.html</link>"
            f"<guid>{escape(url_of(story, copy))}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(text[:120])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>科技快讯</title>'
        f"<link>{base}/news/</link><description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()
