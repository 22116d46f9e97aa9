"""snapshots record how the page was read (a plain fetch or through a browser) and how
many of their rows are held back as suspect; observations say why they are suspect

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_via", sa.String(length=16), nullable=False, server_default="plain"))
        batch_op.add_column(sa.Column("suspect_rows", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspect", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.drop_column("suspect")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("suspect_rows")
        batch_op.drop_column("read_via")
