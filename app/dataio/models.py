"""Rows of data import: which CSV rows were already imported, so a re-run adds nothing."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class ImportedRow(SQLModel, table=True):
    """One imported CSV row, known by a hash of its content (its natural key)."""

    __tablename__ = "imported_row"
    __table_args__ = (UniqueConstraint("workspace_id", "row_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    row_key: str = Field(max_length=64)
    evidence_id: int | None = Field(default=None, foreign_key="evidence_item.id", index=True)
    source: str = Field(default="", max_length=200, description="The file it came from.")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CsvImportRun(SQLModel, table=True):
    """A CSV file uploaded on the import page, kept from its preview to the end of its import.

    The progress lives here rather than in a process, so whichever worker answers the progress
    bar's polls sees it. Operational state, not workspace data: not exported.
    """

    __tablename__ = "csv_import_run"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    created_by: int = Field(foreign_key="user.id", index=True)
    filename: str = Field(max_length=200)
    content: str = Field(sa_type=Text, description="The file's text, as uploaded.")
    total_rows: int = 0
    good_rows: int = 0
    bad_rows: int = 0
    # checked (previewed), running, done or failed
    status: str = Field(default="checked", max_length=16)
    good_rows_only: bool = False
    create_problems: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": false()},
        description="Create the problems the rows name and the workspace lacks.",
    )
    processed_rows: int = 0
    imported: int = 0
    already_imported: int = 0
    message: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CsvColumnMapping(SQLModel, table=True):
    """How a workspace's CSV files name their columns, remembered from its last mapping step:
    a header (as compared: lower-case, underscores) -> the field it holds."""

    __tablename__ = "csv_column_mapping"

    workspace_id: int = Field(foreign_key="workspace.id", primary_key=True, ondelete="CASCADE")
    mapping: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
