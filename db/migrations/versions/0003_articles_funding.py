"""articles and funding

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:14:09.991790
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "funding_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=64), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("round", sa.String(length=32), nullable=True),
        sa.Column("amount", db.types.Money(precision=30, scale=12), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_qualifier", sa.String(length=16), nullable=True),
        sa.Column("valuation", db.types.Money(precision=30, scale=12), nullable=True),
        sa.Column("valuation_currency", sa.String(length=3), nullable=True),
        sa.Column("lead_investors", sa.JSON(), nullable=False),
        sa.Column("investors", sa.JSON(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_events")),
    )
    with op.batch_alter_table("funding_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_events_company"), ["company"], unique=False)

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("original_url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_raw", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("no_funding", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"], name=op.f("fk_articles_snapshot_id_snapshots")),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_articles_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url", name=op.f("uq_articles_url")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_story_id"), ["story_id"], unique=False)

    op.create_table(
        "funding_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funding_event_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("round", sa.String(length=32), nullable=True),
        sa.Column("amount", db.types.Money(precision=30, scale=12), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_qualifier", sa.String(length=16), nullable=True),
        sa.Column("valuation", db.types.Money(precision=30, scale=12), nullable=True),
        sa.Column("valuation_currency", sa.String(length=3), nullable=True),
        sa.Column("valuation_qualifier", sa.String(length=16), nullable=True),
        sa.Column("lead_investors", sa.JSON(), nullable=False),
        sa.Column("investors", sa.JSON(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name=op.f("fk_funding_reports_article_id_articles")),
        sa.ForeignKeyConstraint(
            ["funding_event_id"], ["funding_events.id"], name=op.f("fk_funding_reports_funding_event_id_funding_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_reports")),
        sa.UniqueConstraint("article_id", name=op.f("uq_funding_reports_article_id")),
    )
    with op.batch_alter_table("funding_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_reports_funding_event_id"), ["funding_event_id"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("funding_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_events_funding_event_id_funding_events"), "funding_events", ["funding_event_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_funding_event_id_funding_events"), type_="foreignkey")
        batch_op.drop_column("funding_event_id")

    with op.batch_alter_table("funding_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_reports_funding_event_id"))

    op.drop_table("funding_reports")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_story_id"))

    op.drop_table("articles")
    with op.batch_alter_table("funding_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_events_company"))

    op.drop_table("funding_events")
