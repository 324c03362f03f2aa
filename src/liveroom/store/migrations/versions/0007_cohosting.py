"""Co-hosting: rooms connected together, pending connection requests and pending battle requests, with deadlines.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "room_connections",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("group_id", _ident(64), nullable=False),
        sa.Column("owner_account", _ident(32), nullable=False),
        sa.Column("connected_ms", sa.BigInteger, nullable=False),
        sa.Column("owner_gone_ms", sa.BigInteger, nullable=True),
    )
    op.create_index("room_connections_group", "room_connections", ["sdkappid", "group_id"])
    op.create_index("room_connections_owner_gone", "room_connections", ["owner_gone_ms"])
    op.create_table(
        "connection_requests",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("from_room_id", _ident(48), primary_key=True),
        sa.Column("to_room_id", _ident(48), primary_key=True),
        sa.Column("inviter", _ident(32), nullable=False),
        sa.Column("invitee", _ident(32), nullable=False),
        sa.Column("extension_info", sa.Text, nullable=False),
        sa.Column("deadline_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("connection_requests_to", "connection_requests", ["sdkappid", "to_room_id"])
    op.create_index("connection_requests_deadline", "connection_requests", ["deadline_ms"])
    op.create_table(
        "battle_requests",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("battle_id", _ident(64), primary_key=True),
        sa.Column("from_room_id", _ident(48), nullable=False),
        sa.Column("inviter", _ident(32), nullable=False),
        sa.Column("duration_ms", sa.BigInteger, nullable=False),
        sa.Column("extension_info", sa.Text, nullable=False),
        sa.Column("timeout_ms", sa.BigInteger, nullable=False),
        sa.Column("deadline_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("battle_requests_deadline", "battle_requests", ["deadline_ms"])
    op.create_index("battle_requests_from", "battle_requests", ["sdkappid", "from_room_id"])
    op.create_table(
        "battle_request_rooms",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("battle_id", _ident(64), primary_key=True),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("owner_account", _ident(32), nullable=False),
        sa.Column("answer", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("battle_request_rooms_room", "battle_request_rooms", ["sdkappid", "room_id"])


def downgrade() -> None:
    op.drop_index("battle_request_rooms_room", table_name="battle_request_rooms")
    op.drop_table("battle_request_rooms")
    op.drop_index("battle_requests_from", table_name="battle_requests")
    op.drop_index("battle_requests_deadline", table_name="battle_requests")
    op.drop_table("battle_requests")
    op.drop_index("connection_requests_deadline", table_name="connection_requests")
    op.drop_index("connection_requests_to", table_name="connection_requests")
    op.drop_table("connection_requests")
    op.drop_index("room_connections_owner_gone", table_name="room_connections")
    op.drop_index("room_connections_group", table_name="room_connections")
    op.drop_table("room_connections")
