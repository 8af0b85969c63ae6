"""CSV files uploaded on the import page, with their import's progress

The web import previews a file, then imports it in the background while the page polls for
progress; any worker may answer a poll, so the file and the progress are kept in the database.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:03:21.037901
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "csv_import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("good_rows", sa.Integer(), nullable=False),
        sa.Column("bad_rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("good_rows_only", sa.Boolean(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("already_imported", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_csv_import_run_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_csv_import_run_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csv_import_run")),
    )
    with op.batch_alter_table("csv_import_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_csv_import_run_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_csv_import_run_created_by"), ["created_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("csv_import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_csv_import_run_created_by"))
        batch_op.drop_index(batch_op.f("ix_csv_import_run_workspace_id"))

    op.drop_table("csv_import_run")
