"""Gifts: an app's gift configuration, who sent gifts in a room, and the room's gift sequence.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _key(*columns: tuple[str, int]) -> list[sa.Column[Any]]:
    """``sdkappid`` and the given identifier columns: the primary key of each new table."""
    return [
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        *(sa.Column(name, _ident(length), primary_key=True) for name, length in columns),
    ]


def upgrade() -> None:
    op.add_column("rooms", sa.Column("gift_sequence", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table("room_gift_senders", *_key(("room_id", 48), ("sender_account", 32)), sqlite_with_rowid=False)
    op.create_table(
        "gifts",
        *_key(("gift_id", 20)),
        sa.Column("icon_url", sa.Text, nullable=False),
        sa.Column("resource_url", sa.Text, nullable=False),
        sa.Column("coins", sa.BigInteger, nullable=False),
        sa.Column("level", sa.BigInteger, nullable=False),
        sa.Column("extension_info", sa.Text, nullable=False),
        sa.Column("default_name", sa.Text, nullable=False),
        sa.Column("default_desc", sa.Text, nullable=False),
        sa.Column("create_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "gift_languages",
        *_key(("gift_id", 20), ("language", 16)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "gift_categories",
        *_key(("category_id", 20)),
        sa.Column("default_name", sa.Text, nullable=False),
        sa.Column("default_desc", sa.Text, nullable=False),
        sa.Column("create_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "gift_category_languages",
        *_key(("category_id", 20), ("language", 16)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table("gift_category_relations", *_key(("category_id", 20), ("gift_id", 20)))


def downgrade() -> None:
    for table in (
        "gift_category_relations",
        "gift_category_languages",
        "gift_categories",
        "gift_languages",
        "gifts",
        "room_gift_senders",
    ):
        op.drop_table(table)
    op.drop_column("rooms", "gift_sequence")
