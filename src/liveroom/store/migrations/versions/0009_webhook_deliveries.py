"""Webhook deliveries: the last attempts at each app's events and the receivers' answers, for the console.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("room_id", sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql"), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("answer", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("webhook_deliveries_app", "webhook_deliveries", ["sdkappid", "id"])


def downgrade() -> None:
    op.drop_index("webhook_deliveries_app", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
