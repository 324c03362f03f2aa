"""Guests: pending seat applications and invitations, each with its stored deadline, and the microphone of a
seat's guest as the owner or an admin closed it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "seat_requests",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("room_id", _ident(48), primary_key=True),
        sa.Column("member_account", _ident(32), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("seat_index", sa.Integer, nullable=False),
        sa.Column("operator", _ident(32), nullable=False),
        sa.Column("deadline_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("seat_requests_deadline", "seat_requests", ["deadline_ms"])
    op.add_column(
        "room_seats", sa.Column("is_microphone_closed", sa.Boolean, nullable=False, server_default=sa.text("false"))
    )


def downgrade() -> None:
    with op.batch_alter_table("room_seats") as batch:
        batch.drop_column("is_microphone_closed")
    op.drop_index("seat_requests_deadline", table_name="seat_requests")
    op.drop_table("seat_requests")
