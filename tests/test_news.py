"""Funding news: the extractor against hand-labelled real items and the traps
the issue names; de-duplication by URL, text and event against the real
coverage groups; reruns and input order change nothing."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler import registry
from db.models import Article, Event, FundingEvent, FundingReport
from pipeline.extract.dedup import canonical_url
from pipeline.extract.funding import NoFunding, extract_funding
from pipeline.extract.records import Page
from pipeline.store.news import NewsItem, NewsStore, funding_record
from tests.cases import FIXTURES

NEWS = FIXTURES / "news"
TRUTH = json.loads((NEWS / "raw" / "ground_truth.json").read_text(encoding="utf-8"))["items"]


def feed_items() -> list[NewsItem]:
    """Every item of every news fixture, as the news spider would read them."""
    out = []
    for path in sorted(NEWS.glob("*")):
        if path.suffix in (".xml", ".txt") and not path.name.endswith(".source.txt"):
            page = Page(f"https://fixtures.invalid/{path.name}", path.read_bytes(), datetime(2024, 8, 1, tzinfo=UTC))
            out.extend(registry.news_items(page))
    return out


def by_title() -> dict[str, NewsItem]:
    return {item.title: item for item in feed_items()}


@pytest.mark.parametrize("truth", TRUTH, ids=lambda t: t["title"][:50])
def test_extractor_against_hand_labelled_items(truth: dict) -> None:
    item = by_title()[truth["title"]]
    expected = truth["expected"]
    if expected is None:
        with pytest.raises(NoFunding):
            extract_funding(item.title, item.text, item.published_at)
        return
    got = extract_funding(item.title, item.text, item.published_at)
    assert got.company == expected["company"]
    assert (None if got.amount is None else format(got.amount, "f"), got.currency) == (
        expected["amount"],
        expected["currency"],
    )
    assert got.round == expected["round"]
    assert (None if got.valuation is None else format(got.valuation, "f")) == expected["valuation"]
    assert got.lead_investors == expected["leads"]


@pytest.mark.parametrize(
    ("title", "text", "field", "value"),
    [
        # hand-made edge cases, one per trap
        ("Zhipu raises 2.5 billion yuan (US$342 million)", "", "amount", (Decimal("2.5e9"), "CNY")),
        (
            "Alibaba makes $2.5 billion investment bet on MiniMax",
            "MiniMax, now valued at $2.5 billion, raised $600 million.",
            "amount",
            (Decimal("6e8"), "USD"),
        ),
        ("Moonshot AI raises $1 billion", "Last year it raised $300 million in a seed round.", "round", None),
        ("月之暗面完成超10億美元B轮融资，阿里巴巴领投", "", "amount", (Decimal("1e9"), "USD")),
        ("月之暗面完成超10億美元B轮融资，阿里巴巴领投", "", "lead_investors", ["alibaba"]),
        ("智谱AI完成二十五亿元融资", "", "amount", (Decimal("2.5e9"), "CNY")),
        ("阶跃星辰完成数亿元B轮融资", "", "amount_qualifier", "vague"),
        ("MiniMax in talks to raise $2,5 billion", "", "status", "talks"),
        ("零一万物获阿里云领投新一轮融资，估值超10亿美元", "", "valuation", Decimal("1e9")),
    ],
)
def test_traps(title: str, text: str, field: str, value: object) -> None:
    got = extract_funding(title, text)
    if field == "amount":
        assert (got.amount, got.currency) == value
    else:
        assert getattr(got, field) == value


def test_an_article_saying_no_money_was_raised_yields_nothing() -> None:
    with pytest.raises(NoFunding, match="has not raised"):
        extract_funding("DeepSeek has not raised outside money", "Valued by analysts at $10 billion, it never took VC.")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.scmp.com/tech/article/3240451/x?module=live&pgtype=homepage",
            "https://www.scmp.com/tech/article/3240451/x",
        ),
        ("http://m.example.com/news/1.html?utm_source=rss&id=3#top", "https://www.example.com/news/1.html?id=3"),
        ("https://www.example.com/news/1/amp", "https://www.example.com/news/1"),
        ("https://out.example/r?url=https%3A%2F%2Fwww.reuters.com%2Fa%3Futm_medium%3Drss", "https://www.reuters.com/a"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def ingest_all(factory, items: list[NewsItem]) -> NewsStore:
    store = NewsStore(factory)
    for item in items:
        store.ingest("news", item)
    return store


def groups(factory) -> dict[str, set[str]]:
    with factory() as s:
        return {
            fe.company + ":" + (fe.announced_on.isoformat()[:7] if fe.announced_on else "?"): set(
                funding_record(s, fe)["sources"]
            )
            for fe in s.scalars(select(FundingEvent))
        }


def expected_groups() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in TRUTH:
        if t["expected"] is not None:
            out.setdefault(t["expected"]["group"], set()).add(canonical_url(t["url"]))
    return out


def test_every_real_story_becomes_one_event_listing_all_its_sources(factory) -> None:
    items = sorted(feed_items(), key=lambda i: i.published_at or i.fetched_at)
    ingest_all(factory, items)
    assert sorted(map(sorted, groups(factory).values())) == sorted(map(sorted, expected_groups().values()))
    with factory() as s:
        moonshot = funding_record(s, s.scalar(select(FundingEvent).where(FundingEvent.company == "moonshot")))
        zhipu = funding_record(s, s.scalar(select(FundingEvent).where(FundingEvent.company == "zhipu")))
    assert (moonshot["amount"], moonshot["currency"], moonshot["lead_investors"]) == (
        Decimal("1e9"),
        "USD",
        ["alibaba"],
    )
    # three outlets said US$342 million, two said 2.5 billion yuan: one round, the best-supported value shown
    assert (zhipu["amount"], zhipu["currency"], len(zhipu["sources"])) == (Decimal("342000000"), "USD", 5)


def test_clustering_does_not_depend_on_input_order(factory, tmp_path) -> None:
    items = feed_items()
    random.Random(7).shuffle(items)
    ingest_all(factory, items)
    assert sorted(map(sorted, groups(factory).values())) == sorted(map(sorted, expected_groups().values()))


def test_syndicated_copies_share_a_story(factory) -> None:
    ingest_all(factory, feed_items())
    with factory() as s:
        stories = dict(s.execute(select(Article.url, Article.story_id)).all())
    reuters = stories[
        "https://www.reuters.com/technology/chinese-ai-upstart-baichuan-raises-300-mln-alibaba-tencent-others-2023-10-17"
    ]
    assert stories["https://www.aol.com/news/chinese-ai-upstart-baichuan-raises-085601942.html"] == reuters
    assert (
        stories["https://siliconangle.com/2023/10/17/chinese-ai-startup-baichuan-raises-300m-alibaba-tencent-xiaomi"]
        != reuters
    )


def test_announced_then_updated_and_a_rerun_changes_nothing(factory) -> None:
    items = sorted(feed_items(), key=lambda i: i.published_at or i.fetched_at)
    ingest_all(factory, items)
    with factory() as s:
        kinds = [(e.type, e.provider) for e in s.scalars(select(Event).order_by(Event.id))]
        counts = (s.scalar(select(func.count(Article.id))), s.scalar(select(func.count(FundingReport.id))))
    assert kinds[:2] == [("funding_announced", "baichuan"), ("funding_updated", "baichuan")]  # SiliconANGLE adds Xiaomi
    assert sum(k == "funding_announced" for k, _ in kinds) == 6
    store = ingest_all(factory, items)  # the same feeds again (a new process: a fresh text index)
    assert store.ingest("news", items[0]).status == "duplicate"
    with factory() as s:
        assert (s.scalar(select(func.count(Article.id))), s.scalar(select(func.count(FundingReport.id)))) == counts
        assert len(s.scalars(select(Event)).all()) == len(kinds)


def test_the_same_article_at_another_address_is_one_article(factory) -> None:
    store = NewsStore(factory)
    at = datetime(2023, 11, 6, tzinfo=UTC)
    first = store.ingest(
        "news",
        NewsItem(
            "https://www.scmp.com/tech/article/3240451/x?module=live", "01.AI hits US$1 billion valuation", "", at
        ),
    )
    again = store.ingest(
        "news",
        NewsItem(
            "http://m.scmp.com/tech/article/3240451/x/?utm_source=feed", "01.AI hits US$1 billion valuation", "", at
        ),
    )
    assert (first.status, again.status, again.article_id) == ("stored", "duplicate", first.article_id)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("Published Tue, Mar 5, 2024 · 03:42 PM", "2024-03-05T07:42:00"),
        ("FridayMarch 14, 2025", "2025-03-13T16:00:00"),
        ("3月3日", "2025-03-02T16:00:00"),
        ("17分钟前", "2025-03-20T11:43:00"),
        ("2024 年 7 月 6 日", "2024-07-05T16:00:00"),
    ],
)
def test_news_date_forms(text: str, utc: str) -> None:
    from pipeline.extract.dates import parse_date

    assert parse_date(text, datetime(2025, 3, 20, 12, tzinfo=UTC)).replace(tzinfo=None).isoformat() == utc


def test_feed_items_keep_their_published_time() -> None:
    items = by_title()
    reuters = items["Chinese AI upstart Baichuan raises $300 mln from Alibaba, Tencent, others"]
    assert reuters.published_at == datetime(2023, 10, 17, 7, 56, tzinfo=UTC)
    assert reuters.url.startswith("https://www.reuters.com/technology/")


def test_sources_from_path(tmp_path: Path) -> None:
    assert registry.get("news").kind == "news" and len(registry.get("news").start_urls) == 19


def test_the_parallel_index_build_gives_the_sequential_answers() -> None:
    """Rebuilding the text index on two cores (NewsStore at start) finds the same stories as one by one."""
    from bench.news import article, url_of
    from pipeline.extract import dedup

    docs, truth = [], []
    for story in range(1200):  # generated reports: 1-3 lightly rewritten copies per story
        for copy in range(story % 3 + 1):
            title, text, _ = article(story, copy)
            docs.append((f"{url_of(story, copy)}#{copy}", f"{title}\n{text}", len(docs)))
            truth.append(story)
    one = dedup.TextIndex()
    sequential = [one.add(*doc) for doc in docs]
    parallel = dedup.TextIndex().add_many(docs, processes=2)
    assert parallel == sequential
    assert all(truth[found] == truth[i] for i, found in enumerate(sequential))  # no two stories merged
    copies = [i for i in range(len(docs)) if docs[i][0].endswith(("#1", "#2"))]
    joined = sum(sequential[i] != i for i in copies)
    assert joined / len(copies) > 0.8, (joined, len(copies))  # most rewrites found their story


def test_the_bench_sites_feed_and_articles_read_like_an_outlets() -> None:
    """The benchmarks' generated news (bench/site.py serving bench/news.py) goes through the real
    feed reader, article extractor and funding extractor: what the dedup benchmark measures."""
    from urllib.request import urlopen

    from bench.news import article, plan
    from bench.site import Served

    reports = plan(30)
    with Served(0, articles=30) as site:
        feed = urlopen(f"{site.base}/news/feed.xml", timeout=10).read()
        items = registry.news_items(Page(f"{site.base}/news/feed.xml", feed, datetime.now(UTC), "application/rss+xml"))
        k = next(k for k, (story, _) in enumerate(reports) if story % 3 == 0)  # a funding round
        url = f"{site.base}/news/{k}.html"
        body = urlopen(url, timeout=10).read()
    assert len(items) == 30 and items[k].url == url
    story, copy = reports[k]
    title, text, when = article(story, copy)
    assert items[k].title == title and items[k].published_at == when
    read = registry.news_items(Page(url, body, datetime.now(UTC), "text/html; charset=utf-8"))[0]
    assert read.title == title and text.split("。")[0] in read.text and "领投" in read.text
    report = extract_funding(read.title, read.text, when)
    assert report.amount == Decimal(hash((story, 4)) % 89 + 2) * 100_000_000 and report.currency == "CNY"
