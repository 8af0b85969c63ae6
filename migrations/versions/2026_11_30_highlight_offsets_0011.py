"""highlights keep where their quote is in the interview's notes

An evidence item logged from a transcript keeps the character offsets of its quote in the
interview's notes and whether the quote is still found there (anchored) or not (detached).
Items logged before this have no offsets; the interview page places their quote when its text
is in the notes, and editing the notes anchors them for good.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quote_end", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("anchor", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.drop_column("anchor")
        batch_op.drop_column("quote_end")
        batch_op.drop_column("quote_start")
