"""Inserting many rows fast: COPY on PostgreSQL, one ``executemany`` of plain
tuples elsewhere; matching a column against many values with one parameter.

SQLAlchemy's Core insert runs its generic parameter machinery for every
value; for the 40-80 observations of each stored page that costs more than
the insert itself. Here each column's bind processor (our ``Money`` and
``UTCDateTime`` included) is looked up once and applied in a tight loop.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, func, literal_column, select
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Collection[str]) -> ColumnElement[bool]:
    """``column IN values`` as one bound array (PostgreSQL) or JSON list (SQLite): a batch's
    thousands of model names cost no statement compiling and meet no limit on parameters."""
    listed = sorted(values)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # loads every PostgreSQL driver's module

        return column == any_(bindparam(None, listed, type_=ARRAY(String)))
    if dialect == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(listed))))
    return column.in_(listed)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    columns = list(rows[0])
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":  # COPY: a third of the time of executemany
        raw: Any = conn.connection.dbapi_connection  # psycopg's own connection, in this transaction
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])  # psycopg adapts Decimal and aware datetimes
        return
    # the dialect's own form of each column type (our TypeDecorators included), looked up once
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    data = [list(map(row.__getitem__, columns)) for row in rows]
    for i, proc in enumerate(processors):
        if proc is None:
            continue
        done: dict[Any, Any] = {}  # a page's rows share their times and many of their amounts
        for values in data:
            value = values[i]
            if value not in done:
                done[value] = proc(value)
            values[i] = done[value]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, [tuple(values) for values in data])
