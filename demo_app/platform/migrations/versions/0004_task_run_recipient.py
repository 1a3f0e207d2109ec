"""Email runs record their recipient: task_runs.recipient, indexed with queued_at.

The hourly email quota reads one address's runs of the hour through the index. Before, it
read every email run of the hour and compared an argument inside each one's JSON: a cost
that grew with all the traffic of the hour, paid by every registration.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The email tasks of this revision and the argument naming the address (queue.RECIPIENTS).
RECIPIENTS = {"send_welcome_email": "email", "send_item_notification": "recipient_email"}


def upgrade() -> None:
    op.add_column("task_runs", sa.Column("recipient", sa.String(), nullable=True))
    runs = sa.table(
        "task_runs",
        sa.column("name", sa.String()),
        sa.column("args", sa.JSON()),
        sa.column("recipient", sa.String()),
    )
    for name, argument in RECIPIENTS.items():  # the runs already recorded count too
        op.execute(
            runs.update()
            .where(runs.c.name == name)
            .values(recipient=runs.c.args[argument].as_string())
        )
    op.create_index(
        "ix_task_runs_recipient_queued_at", "task_runs", ["recipient", "queued_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_task_runs_recipient_queued_at", table_name="task_runs")
    with op.batch_alter_table("task_runs", schema=None) as batch_op:
        batch_op.drop_column("recipient")
