"""an article may report several rounds (one report per article and round); rounds keep
the valuation's basis (pre/post-money) and the upper end of a range

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("funding_events", "funding_reports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("valuation_basis", sa.String(length=8), nullable=True))
            batch_op.add_column(sa.Column("amount_high", db.types.Money(precision=30, scale=12), nullable=True))
    with op.batch_alter_table("funding_reports", schema=None) as batch_op:
        batch_op.drop_constraint("uq_funding_reports_article_id", type_="unique")
        batch_op.create_unique_constraint("uq_funding_reports_article_event", ["article_id", "funding_event_id"])
        batch_op.create_index("ix_funding_reports_article_id", ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("funding_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_reports_article_id")
        batch_op.drop_constraint("uq_funding_reports_article_event", type_="unique")
        batch_op.create_unique_constraint("uq_funding_reports_article_id", ["article_id"])
    for table in ("funding_reports", "funding_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("amount_high")
            batch_op.drop_column("valuation_basis")
