"""People in rooms: room admins, mutes, seats and robots (bans came with 0001).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "room_admins",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("member_account", _ident(32), primary_key=True),
    )
    op.create_table(
        "room_mutes",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("member_account", _ident(32), primary_key=True),
        sa.Column("muted_until", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "room_seats",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("seat_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_account", _ident(32), nullable=True),
        sa.Column("is_taken_disabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("is_video_disabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("is_audio_disabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.create_table(
        "room_robots",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("member_account", _ident(32), primary_key=True),
    )


def downgrade() -> None:
    for table in ("room_robots", "room_seats", "room_mutes", "room_admins"):
        op.drop_table(table)
