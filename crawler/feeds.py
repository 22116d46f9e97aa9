"""The default news feeds (``[news] feeds`` replaces them): outlets' RSS and Google News
searches for each tracked company, in Chinese and English. Kept apart from the spider,
which loads Scrapy, so that ``llmwatch sources`` can list them without it."""

from __future__ import annotations

import re
from urllib.parse import quote

QUERIES = [
    "月之暗面 融资",
    "Moonshot AI funding",
    "智谱 融资",
    "Zhipu AI funding",
    "百川智能 融资",
    "Baichuan AI funding",
    "零一万物 融资",
    "01.AI funding",
    "MiniMax 融资",
    "MiniMax AI funding",
    "阶跃星辰 融资",
    "StepFun funding",
    "深度求索 融资",
    "DeepSeek funding",
]


def google_news(query: str) -> str:
    chinese = bool(re.search(r"[\u4e00-\u9fff]", query))
    locale = "hl=zh-CN&gl=CN&ceid=CN:zh-Hans" if chinese else "hl=en-US&gl=US&ceid=US:en"
    return f"https://news.google.com/rss/search?q={quote(query)}&{locale}"


FEEDS = [
    "https://36kr.com/feed",
    "https://www.qbitai.com/feed",
    "https://techcrunch.com/category/artificial-intelligence/feed/",
    "https://technode.com/feed/",
    "https://pandaily.com/feed/",
    *(google_news(q) for q in QUERIES),
]
