"""locks are leases (renewed by their holder's heartbeat); an alert's message has an id
and is marked in flight before it is sent; stored channel labels lose path tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:30:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: as llmwatch.config.mask_path at the time of writing (a migration keeps its own copy)
_PLAIN_PART = re.compile(r"[A-Za-z][a-z]{0,9}\d?|[*.]+|[A-Za-z0-9]\.{3}[A-Za-z0-9]")


def _mask(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep or scheme in ("file", "stdout"):
        return text
    host, slash, path = rest.partition("/")
    parts = [p if not p or _PLAIN_PART.fullmatch(p) else f"{p[0]}…{p[-1]}" for p in path.split("/")]
    return f"{scheme}://{host}{slash}{'/'.join(parts)}"


def upgrade() -> None:
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewed_at", db.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sending_since", db.types.UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("channel_label", sa.String))
    for row_id, label in conn.execute(sa.select(alerts.c.id, alerts.c.channel_label)).all():
        masked = _mask(label)
        if masked != label:
            conn.execute(sa.update(alerts).where(alerts.c.id == row_id).values(channel_label=masked))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
        batch_op.drop_column("message_id")
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.drop_column("renewed_at")
