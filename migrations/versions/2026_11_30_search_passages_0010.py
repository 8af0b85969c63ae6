"""interview notes searched passage by passage on PostgreSQL

A tsvector holds at most 1 MB and numbers word positions only up to 16,383: the stored
document of revision 0005 made saving a long transcript of varied words fail ("string is too
long for tsvector") and lost the positions of everything after its first pages, so a phrase
near the end was never found as a phrase. Interview notes are now cut into passages of about
MIN_BYTES to 2 * MIN_BYTES bytes (ending at a line break when there is one, else at a space), each
with its own weighted document (the interview's title, then the passage) in `search_passage`;
a trigger keeps them, so every writer (API, pages, CLI, imports, bulk loads) does too. The
passage also says where a match is, for the snippet. Passages are numbered as they are written,
so the newest are found first (app/search/repository.py).

SQLite is unchanged: FTS5 has no such limits and its snippet already comes from where the
words are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIN_BYTES = 1_000

# Byte offsets in the UTF-8 form of the notes keep each cut O(passage) rather than
# O(notes); a cut falls on an ASCII space or line break, or, in text without any (CJK), before
# the first byte of a character, so a passage is always whole characters.
PASSAGES = f"""
CREATE FUNCTION search_passages(notes text)
RETURNS TABLE (ordinal integer, start_at integer, body text)
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    bytes bytea := convert_to(notes, 'UTF8');
    total integer := length(bytes);
    first integer := 0;
    stop integer;
    found integer;
BEGIN
    ordinal := 0;
    start_at := 0;
    LOOP
        stop := first + {MIN_BYTES};
        IF stop >= total THEN
            stop := total;
        ELSE
            found := position('\\x0a'::bytea IN substring(bytes FROM stop + 1 FOR {MIN_BYTES}));
            IF found = 0 THEN
                found := position('\\x20'::bytea IN substring(bytes FROM stop + 1 FOR {MIN_BYTES}));
            END IF;
            IF found > 0 THEN
                stop := stop + found;
            ELSE
                WHILE get_byte(bytes, stop) BETWEEN 128 AND 191 LOOP
                    stop := stop - 1;
                END LOOP;
            END IF;
        END IF;
        body := convert_from(substring(bytes FROM first + 1 FOR stop - first), 'UTF8');
        RETURN NEXT;
        EXIT WHEN stop >= total;
        start_at := start_at + length(body);
        ordinal := ordinal + 1;
        first := stop;
    END LOOP;
END $$
"""

KEEP_PASSAGES = """
CREATE FUNCTION search_keep_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_passage WHERE interview_id = OLD.id;
    END IF;
    INSERT INTO search_passage
        (interview_id, ordinal, workspace_id, start_at, body, search_document)
    SELECT NEW.id, p.ordinal, NEW.workspace_id, p.start_at, p.body,
        setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, p.body), 'B')
    FROM search_passages(coalesce(NEW.notes, '')) p;
    RETURN NULL;
END $$
"""


def _document(title: str, body: str) -> str:
    return (
        f"(setweight(to_tsvector('english'::regconfig, coalesce({title}, '')), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, coalesce({body}, '')), 'B'))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_interview")
    op.execute("ALTER TABLE interview DROP COLUMN search_document")
    op.execute(
        "CREATE TABLE search_passage ("
        " id integer GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_search_passage PRIMARY KEY,"
        " interview_id integer NOT NULL"
        " CONSTRAINT fk_search_passage_interview_id_interview"
        " REFERENCES interview (id) ON DELETE CASCADE,"
        " ordinal integer NOT NULL,"
        " workspace_id integer NOT NULL,"
        " start_at integer NOT NULL,"
        " body text NOT NULL,"
        " search_document tsvector NOT NULL,"
        " CONSTRAINT uq_search_passage_interview_id UNIQUE (interview_id, ordinal))"
    )
    op.execute("CREATE INDEX ix_search_passage ON search_passage USING gin (search_document)")
    op.execute(PASSAGES)
    op.execute(KEEP_PASSAGES)
    op.execute(
        "CREATE TRIGGER search_interview_insert AFTER INSERT ON interview"
        " FOR EACH ROW EXECUTE FUNCTION search_keep_passages()"
    )
    op.execute(
        "CREATE TRIGGER search_interview_update AFTER UPDATE OF title, notes ON interview"
        " FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title"
        " OR OLD.notes IS DISTINCT FROM NEW.notes)"
        " EXECUTE FUNCTION search_keep_passages()"
    )
    # Interviews written before this revision.
    op.execute(
        "INSERT INTO search_passage"
        " (interview_id, ordinal, workspace_id, start_at, body, search_document)"
        " SELECT i.id, p.ordinal, i.workspace_id, p.start_at, p.body,"
        f" {_document('i.title', 'p.body')}"
        " FROM interview i, search_passages(coalesce(i.notes, '')) p ORDER BY i.id, p.ordinal"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER search_interview_update ON interview")
    op.execute("DROP TRIGGER search_interview_insert ON interview")
    op.execute("DROP FUNCTION search_keep_passages()")
    op.execute("DROP FUNCTION search_passages(text)")
    op.execute("DROP TABLE search_passage")
    op.execute(
        "ALTER TABLE interview ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({_document('title', 'notes')}) STORED"
    )
    op.execute("CREATE INDEX ix_search_interview ON interview USING gin (search_document)")
