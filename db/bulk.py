"""Inserting many rows fast: one ``executemany`` of plain tuples.

SQLAlchemy's Core insert runs its generic parameter machinery for every
value; for the 40-80 observations of each stored page that costs more than
the insert itself. Here each column's bind processor (our ``Money`` and
``UTCDateTime`` included) is looked up once and applied in a tight loop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    columns = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
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
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    conn.exec_driver_sql(sql, [tuple(values) for values in data])
