"""The database on both backends: schema from migrations, exact decimals,
UTC timestamps, and the query builders the CLI uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from db import queries
from db.engine import HEAD, alembic_config, engine_for, include_name, is_current, make_engine
from db.models import Base, PriceObservation
from tests.conftest import ingest_fixture


def test_migrations_build_exactly_the_models(db_url: str) -> None:
    engine = engine_for(db_url)
    assert is_current(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        assert compare_metadata(context, Base.metadata) == []


def test_the_known_head_is_alembics(tmp_path) -> None:
    from alembic.script import ScriptDirectory

    # a new migration moves db.engine.HEAD with it, or a database at it would be taken as older
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD]
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    engine_for.__wrapped__(f"sqlite:///{tmp_path / 'old.db'}")  # migrated to the head
    assert is_current(engine)
    with engine.begin() as conn:  # a database one revision behind is not current
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    assert not is_current(engine)


def test_money_is_exact_and_times_are_utc(factory) -> None:
    ingest_fixture(factory, "coze/2025_billing-rules_doubao-deepseek.md", "2025-03-01T08:00:00+08:00")
    ingest_fixture(factory, "litellm/2025-02-06_model-prices.json", "2025-02-06T02:56:03+00:00")
    with factory() as s:
        doubao = s.scalar(
            select(PriceObservation).where(
                PriceObservation.model == "doubao-pro-32k", PriceObservation.component == "input"
            )
        )
        hit = s.scalar(
            select(PriceObservation).where(
                PriceObservation.model == "deepseek-chat", PriceObservation.component == "input_cache_hit"
            )
        )
    assert doubao is not None and hit is not None
    assert (doubao.amount_per_mtok, doubao.raw) == (Decimal("0.8"), "0.0008 元")
    assert doubao.first_seen == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
    # 0.014 USD x 7.2887, the ECB's rate of 2025-02-06 (7.5511 / 1.036)
    assert (hit.amount_per_mtok, hit.currency, hit.cny_per_mtok) == (Decimal("0.014"), "USD", Decimal("0.102042"))


def test_prices_now_and_at_a_date(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")

    def yi6b(at: datetime | None) -> Decimal:
        with factory() as s:
            rows = s.execute(queries.prices(model="yi-6b", at=at)).all()
        return {obs.component: obs.amount_per_mtok for obs, _ in rows}["input"]

    assert yi6b(None) == Decimal("0.18")
    assert yi6b(datetime(2024, 6, 1, tzinfo=UTC)) == Decimal("0.126")
    with factory() as s:
        assert s.execute(queries.prices(at=datetime(2024, 1, 1, tzinfo=UTC))).all() == []
        by_provider = s.execute(queries.prices(provider="deepseek")).all()
    assert {(o.model, o.component) for o, _ in by_provider} == {
        ("deepseek-chat", "input"),
        ("deepseek-chat", "output"),
        ("deepseek-coder", "input"),
        ("deepseek-coder", "output"),
    }


def test_history_lists_every_price_period(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    with factory() as s:
        rows = s.execute(queries.history("qwen-72b-chat", component="input")).all()
    periods = [
        (o.amount_per_mtok, o.first_seen.date().isoformat(), o.ended_at and o.ended_at.date().isoformat())
        for o, _ in rows
    ]
    assert periods == [(Decimal("0.9"), "2024-05-15", "2024-08-01"), (Decimal("0.81"), "2024-08-01", None)]


def test_filters_are_bound_parameters(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    with factory() as s:
        assert s.execute(queries.prices(model="x' OR '1'='1")).all() == []
        assert s.execute(queries.events(provider="deepseek'; DROP TABLE events; --")).all() == []
        assert len(s.execute(queries.prices()).all()) == 22


def test_the_newest_events_come_from_the_query(factory) -> None:
    ingest_fixture(factory, "openrouter/2024-05-15_models.json", "2024-05-15T04:09:05+00:00")
    ingest_fixture(factory, "openrouter/2024-08-01_models.json", "2024-08-01T07:29:48+00:00")
    with factory() as s:
        every = [ev.id for ev, _, _ in s.execute(queries.events()).all()]
        newest = [ev.id for ev, _, _ in s.execute(queries.events(newest=3)).all()]
        changes = [ev.id for ev, _, _ in s.execute(queries.events(type_="price_changed")).all()]
        latest_changes = [ev.id for ev, _, _ in s.execute(queries.events(type_="price_changed", newest=2)).all()]
    assert len(every) == 10 and newest == every[-3:]
    assert len(changes) == 4 and latest_changes == changes[-2:]  # filters and the limit combine


def test_migration_0012_converts_stored_rows_again_at_the_ecb_rate(tmp_path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    factory = sessionmaker(engine_for.__wrapped__(url), expire_on_commit=False)
    ingest_fixture(factory, "deepseek/2025-12-20_en_crawler-markdown.md", "2025-12-20T08:00:00+00:00")
    engine = make_engine(url)
    with engine.begin() as conn:  # back to 0011, its rows converted at the yearly rate of 2025 as then
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
        conn.exec_driver_sql("UPDATE price_observations SET cny_per_mtok = amount_per_mtok * 7.18")
    engine_for.__wrapped__(url)  # migrated to the head again
    with factory() as s:
        chat = s.scalar(
            select(PriceObservation).where(
                PriceObservation.model == "deepseek-chat", PriceObservation.component == "input"
            )
        )
    assert chat is not None  # 0.28 USD x 7.0411, the ECB's rate of Friday 2025-12-19
    assert (chat.cny_per_mtok, chat.fx_rate, chat.fx_date, chat.fx_source) == (
        Decimal("1.971508"),
        Decimal("7.0411"),
        date(2025, 12, 19),
        "ECB",
    )
