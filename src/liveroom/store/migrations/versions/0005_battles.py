"""Battles: each battle with its stored end, the rooms in it with their scores, and the apps' gifts-into-scores flag.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("apps", sa.Column("gift_battle_scores", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.create_table(
        "battles",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("battle_id", _ident(64), primary_key=True),
        sa.Column("from_room_id", _ident(48), nullable=False),
        sa.Column("operator", _ident(32), nullable=False),
        sa.Column("duration_ms", sa.BigInteger, nullable=False),
        sa.Column("extension_info", sa.Text, nullable=False),
        sa.Column("create_ms", sa.BigInteger, nullable=False),
        sa.Column("start_ms", sa.BigInteger, nullable=False),
        sa.Column("end_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("end_reason", sa.Integer, nullable=True),
    )
    op.create_index(
        "battles_running_end",
        "battles",
        ["end_ms"],
        sqlite_where=sa.text("status < 3"),
        postgresql_where=sa.text("status < 3"),
    )
    op.create_table(
        "battle_rooms",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("battle_id", _ident(64), primary_key=True),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("owner_account", _ident(32), nullable=False),
        sa.Column("score", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("has_left", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.create_index("battle_rooms_room", "battle_rooms", ["sdkappid", "room_id"])


def downgrade() -> None:
    op.drop_index("battle_rooms_room", table_name="battle_rooms")
    op.drop_table("battle_rooms")
    op.drop_index("battles_running_end", table_name="battles")
    op.drop_table("battles")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("gift_battle_scores")
