"""scorecard trend kept with the stored card

The problem page drew its trend by recomputing the card at ten moments on every view (95 of
its 101 statements). Each refresh now appends the card's headline figures to a short trend
kept beside it, so the page only reads.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("problem_scorecard") as batch:
        batch.add_column(sa.Column("trend", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("problem_scorecard") as batch:
        batch.drop_column("trend")
