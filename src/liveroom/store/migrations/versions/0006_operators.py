"""Operators: the people who sign in to the web console, and their sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _ident(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("name", _ident(32), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "operator_sessions",
        # The SHA-256 of the session id the cookie carries: a copy of the database signs no one in.
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("operator", _ident(32), nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("operator_sessions_operator", "operator_sessions", ["operator"])


def downgrade() -> None:
    op.drop_index("operator_sessions_operator", "operator_sessions")
    op.drop_table("operator_sessions")
    op.drop_table("operators")
