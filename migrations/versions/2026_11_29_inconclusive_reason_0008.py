"""why a test concluded without an observed value

A blank observed value no longer concludes a test by itself: a test concludes inconclusive
only when the team says why, and that reason is kept beside its learning. Tests concluded
before this have no reason recorded (an empty text).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assumption_test", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inconclusive_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("assumption_test", schema=None) as batch_op:
        batch_op.drop_column("inconclusive_reason")
