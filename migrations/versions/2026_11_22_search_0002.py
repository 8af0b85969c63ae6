"""full-text search and imported CSV rows

Search is kept by the database itself, so every writer (API, pages, CLI, imports) keeps it
current without thinking about it:
- SQLite: one FTS5 table, `search_index`, filled by triggers on problem, interview and
  evidence_item. Its rowid encodes the source row (id * 4 + kind), so a trigger finds an entry
  without scanning.
- PostgreSQL: a GIN index on the same weighted tsvector expression the search query uses.

These objects are not in the models; migrations/env.py tells autogenerate to leave them alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, kind code, title expression, body expression); kind codes match app/search/repository.py
SOURCES = [
    ("problem", 1, "title", "statement"),
    ("interview", 2, "title", "notes"),
    ("evidence_item", 3, "''", "quote"),
]


def _tsvector(title: str, body: str) -> str:
    return (
        f"(setweight(to_tsvector('english'::regconfig, coalesce({title}, '')), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, coalesce({body}, '')), 'B'))"
    )


def upgrade() -> None:
    op.create_table(
        "imported_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_item.id"],
            name=op.f("fk_imported_row_evidence_id_evidence_item"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_imported_row_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_row")),
        sa.UniqueConstraint("workspace_id", "row_key", name=op.f("uq_imported_row_workspace_id")),
    )
    with op.batch_alter_table("imported_row", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imported_row_evidence_id"), ["evidence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_imported_row_workspace_id"), ["workspace_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table, _, title, body in SOURCES:
            op.execute(
                f"CREATE INDEX ix_search_{table} ON {table} USING gin ({_tsvector(title, body)})"
            )
        return

    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, kind UNINDEXED, row_id UNINDEXED, workspace_id UNINDEXED, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    for table, code, title, body in SOURCES:
        new_title = f"new.{title}" if title != "''" else "''"
        key = f"new.id * 4 + {code}"
        insert = (
            "INSERT INTO search_index(rowid, title, body, kind, row_id, workspace_id) "
            f"VALUES ({key}, {new_title}, new.{body}, '{table}', new.id, new.workspace_id);"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE ON {table} BEGIN "
            f"DELETE FROM search_index WHERE rowid = old.id * 4 + {code}; {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM search_index WHERE rowid = old.id * 4 + {code}; END"
        )
        # Rows written before this revision.
        op.execute(
            "INSERT INTO search_index(rowid, title, body, kind, row_id, workspace_id) "
            f"SELECT id * 4 + {code}, {title}, {body}, '{table}', id, workspace_id FROM {table}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, *_ in SOURCES:
            op.execute(f"DROP INDEX IF EXISTS ix_search_{table}")
    else:
        for table, *_ in SOURCES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
        op.execute("DROP TABLE IF EXISTS search_index")
    with op.batch_alter_table("imported_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_row_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_imported_row_evidence_id"))
    op.drop_table("imported_row")
