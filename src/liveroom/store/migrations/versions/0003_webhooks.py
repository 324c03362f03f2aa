"""Webhooks: the callback configuration, the outbox and its per-room queues, and the apps' fail-open flag.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("apps", sa.Column("callback_fail_open", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.create_table(
        "webhook_configs",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("commands", sa.Text, nullable=False, server_default="[]"),
        sa.Column("token", sa.Text, nullable=True),
        sa.Column("token_enabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("room_id", _ident(48), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("fact", sa.LargeBinary, nullable=False),
        sa.Column("event_time", sa.BigInteger, nullable=False),
        sa.Column("client_ip", sa.Text, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("dead", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )
    op.create_index("webhook_events_room", "webhook_events", ["sdkappid", "room_id", "id"])
    op.create_index(
        "webhook_events_dead",
        "webhook_events",
        ["id"],
        sqlite_where=sa.text("dead"),
        postgresql_where=sa.text("dead"),
    )
    op.create_table(
        "webhook_queues",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("next_attempt", sa.BigInteger, nullable=False),
        sa.Column("lease_owner", sa.Text, nullable=False, server_default=""),
        sa.Column("lease_until", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("webhook_queues_due", "webhook_queues", ["next_attempt"])


def downgrade() -> None:
    op.drop_table("webhook_queues")
    op.drop_index("webhook_events_dead", "webhook_events")
    op.drop_index("webhook_events_room", "webhook_events")
    op.drop_table("webhook_events")
    op.drop_table("webhook_configs")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("callback_fail_open")
