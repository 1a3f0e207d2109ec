"""Indexes on when each request record, task run and email last changed: the event
stream's poll reads the rows changed since its cursor, not the whole table.

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name, table, the column never NULL, the later ones (models.py: touched_at)
INDEXES = (
    ("ix_request_records_touched_at", "request_records", "received_at", ["response_sent_at"]),
    (
        "ix_task_runs_touched_at",
        "task_runs",
        "queued_at",
        ["started_at", "finished_at", "next_attempt_at"],
    ),
    ("ix_email_deliveries_touched_at", "email_deliveries", "claimed_at", ["sent_at"]),
)


def touched_at(first: str, later: list[str]) -> sa.TextClause:
    """The same expression as models.touched_at (written out: an index on an expression
    must match the queries' expression, and SQLite spells greatest() max())."""
    latest = "max" if op.get_bind().dialect.name == "sqlite" else "greatest"
    values = ", ".join([first, *(f"coalesce({column}, {first})" for column in later)])
    return sa.text(f"{latest}({values})")


def upgrade() -> None:
    # IF NOT EXISTS: a database made by `create_all` (models.py) has them already.
    for name, table, first, later in INDEXES:
        op.create_index(name, table, [touched_at(first, later)], unique=False, if_not_exists=True)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
