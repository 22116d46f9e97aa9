"""crawl run owner

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 07:47:36.426799
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("owner")
