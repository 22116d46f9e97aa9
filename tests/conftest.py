"""Shared fixtures: a database URL per backend (SQLite file, or a throw-away
PostgreSQL schema on the real server), and an ingest helper."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from crawler import registry
from db.engine import engine_for, session_factory
from pipeline.extract.records import Page, decode_body
from pipeline.store.ingest import IngestResult, Policy, ingest
from tests.cases import FIXTURES

# the tests' servers listen on 127.0.0.1, which crawls refuse by default (crawler.addresses);
# the crawls under test, in this process or in a child, admit it (test_security checks the refusal)
os.environ.setdefault("LLMWATCH_CRAWL_ALLOW_HOSTS", "127.0.0.1")

PG_URL = os.environ.get("LLMWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'llmwatch.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL server (.ci/run starts it)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:
    return session_factory(db_url)


def ingest_fixture(
    factory: sessionmaker[Session],
    rel: str,
    when: str,
    *,
    source: str | None = None,
    url: str | None = None,
    policy: Policy | None = None,
) -> IngestResult:
    """Store a fixture as if its source had fetched it at ``when``."""
    path = FIXTURES / rel
    name = source or path.parent.name
    body = path.read_bytes()
    page = Page(url or registry.get(name).url_for(decode_body(body)), body, datetime.fromisoformat(when))
    return ingest(factory, name, page, lambda p: registry.extract(name, p), policy=policy or Policy())
