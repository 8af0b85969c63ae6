"""indexes for a problem's (or an interview's) rows within a workspace

Scoring, the problem pages and the interview pages read rows with
`workspace_id = ? AND problem_id IN (...)` (or `interview_id`). Without statistics (SQLite
gathers none on its own) SQLite picks the single-column workspace_id index and walks the whole
workspace: 50 to 100 ms and more per query on a workspace of 250,000 evidence items, against
about 1 ms with these indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [  # (table, the column that follows workspace_id)
    ("evidence_item", "problem_id"),
    ("evidence_item", "interview_id"),
    ("assumption", "problem_id"),
    ("assumption_test", "problem_id"),
]


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                f"ix_{table}_workspace_id_{column}", ["workspace_id", column], unique=False
            )


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_workspace_id_{column}")
