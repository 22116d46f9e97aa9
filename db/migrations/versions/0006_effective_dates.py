"""price effective dates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_from", db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("effective_to", db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.drop_column("effective_to")
        batch_op.drop_column("effective_from")
