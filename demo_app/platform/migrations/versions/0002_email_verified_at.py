"""Addresses are confirmed: users.email_verified_at.

Accounts made before this revision keep the standing they had: their addresses count as
confirmed (from their sign-up), so they keep their newsletter and no new sign-up frees them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: both databases have it (no batch copy of the table on SQLite).
    op.add_column(
        "users", sa.Column("email_verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
