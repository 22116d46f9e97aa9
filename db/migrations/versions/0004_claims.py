"""claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 07:27:41.527160
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "claim_states",
        sa.Column("claim_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_states")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("detail")

    op.drop_table("claim_states")
