"""Apps, accounts, rooms, room metadata and bans.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("secret_key", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("member_quota", sa.Integer, nullable=False),
        sa.Column("seat_quota", sa.Integer, nullable=False),
        sa.Column("rate_limits_enabled", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("rate_limit_overrides", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "app_admins",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("identifier", _ident(32), primary_key=True),
    )
    op.create_table(
        "app_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO app_state (id, version) VALUES (1, 0)")
    op.create_table(
        "accounts",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", _ident(32), primary_key=True),
        sa.Column("nick", sa.Text, nullable=False, server_default=""),
        sa.Column("face_url", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rooms",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("room_name", sa.Text, nullable=False),
        sa.Column("room_type", sa.String(16), nullable=False),
        sa.Column("owner_account", _ident(32), nullable=False),
        sa.Column("create_time", sa.BigInteger, nullable=False),
        sa.Column("is_seat_enabled", sa.Boolean, nullable=False),
        sa.Column("seat_template", sa.Text, nullable=False, server_default=""),
        sa.Column("seat_layout_template_id", sa.BigInteger, nullable=True),
        sa.Column("take_seat_mode", sa.String(16), nullable=False),
        sa.Column("max_seat_count", sa.Integer, nullable=False),
        sa.Column("max_member_count", sa.Integer, nullable=False),
        sa.Column("is_message_disabled", sa.Boolean, nullable=False),
        sa.Column("is_public_visible", sa.Boolean, nullable=False),
        sa.Column("is_unlimited_room_enabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("cover_url", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("activity_status", sa.BigInteger, nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.Column("view_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("sort_views", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("sort_created", sa.BigInteger, nullable=False),
        sa.Column("total_gifts_sent", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_gift_coins", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_unique_gift_senders", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_likes_received", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_msg_count", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index(
        "rooms_public_order",
        "rooms",
        ["sdkappid", "sort_views", "sort_created", "room_id"],
        sqlite_where=sa.text("is_public_visible"),
        postgresql_where=sa.text("is_public_visible"),
    )
    op.create_table(
        "room_metadata",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("key", _ident(50), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "room_bans",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("member_account", _ident(32), primary_key=True),
        sa.Column("banned_until", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    for table in ("room_bans", "room_metadata", "rooms", "accounts", "app_state", "app_admins", "apps"):
        op.drop_table(table)
