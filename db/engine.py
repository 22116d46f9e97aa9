"""Engine and sessions. The schema is brought to the newest Alembic revision
on first use, so a fresh machine needs no set-up step."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:  # Alembic loads only when a schema is checked or migrated
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: the newest revision, so that a database already at it is known current without loading
#: Alembic (a tenth of a second of every query command); tests/test_migrations.py checks it
#: against Alembic's own head, and any other answer goes to Alembic
HEAD = "0012"
#: tables in the database that are not ours to migrate (APScheduler's job store)
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic comparisons: leave other libraries' tables alone."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (llmwatch prices) run while a crawl writes
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # WAL with NORMAL sync cannot corrupt; a power cut may lose the last batches, which a replay
    # of the WARC archive recovers. FULL would cost a disk flush per batch.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``llmwatch db upgrade``)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # workers starting together on a new database: one migrates, the others wait and find it done
            conn.execute(text("SELECT pg_advisory_xact_lock(7120240706)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        if [v for (v,) in conn.execute(text("SELECT version_num FROM alembic_version"))] == [HEAD]:
            return True
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


@cache
def engine_for(url: str, *, migrate: bool = True) -> Engine:
    """One engine per URL per process, migrated on first use (``migrate=False``: a process
    whose parent has just done so)."""
    engine = make_engine(url)
    if migrate and not is_current(engine):
        upgrade(engine)
    return engine


def session_factory(url: str, *, migrate: bool = True) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url, migrate=migrate), expire_on_commit=False)
