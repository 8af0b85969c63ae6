"""Exports are written and imports read a piece at a time: what a workspace holds never sits
in memory whole, and the pieces add up to the same document."""

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.auth.models import User
from app.dataio import csv_export, export, reader
from app.dataio.export import IdMap
from app.dataio.tables import table
from app.errors import InvalidInput
from tests.dataio.test_export import exported, first_diff, normalised, seeded
from tests.factories import Api


def workspace_id(engine: Engine, slug: str) -> int:
    with engine.connect() as conn:
        ws = table("workspace")
        return int(conn.execute(select(ws.c.id).where(ws.c.slug == slug)).scalar_one())


def test_the_export_holds_one_chunk_of_rows_at_a_time(api: Api, engine: Engine) -> None:
    problem = api.problem(title="Exports break")
    for n in range(5):
        api.evidence(problem["id"], quote=f"Quote {n}")
    with engine.connect() as conn:
        pieces = list(export.write_workspace(conn, workspace_id(engine, "acme"), chunk_rows=2))

    document = json.loads("".join(pieces))
    assert len(document["tables"]["evidence_item"]) == 5
    # Every piece of rows is one chunk of at most 2 rows: the evidence came in 3 pieces.
    chunks = [p for p in pieces if p.lstrip(",").startswith('{"id"')]
    sizes = [len(json.loads("[" + p.lstrip(",") + "]")) for p in chunks]
    assert max(sizes) == 2
    evidence = [p for p in chunks if '"quote":"Quote' in p]
    assert [len(json.loads("[" + p.lstrip(",") + "]")) for p in evidence] == [2, 2, 1]


def test_a_streamed_export_comes_back_whole_through_the_streamed_import(
    demo: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = seeded(demo)
    # Small pieces both ways: rows, numbers and strings cut across the reader's chunks.
    monkeypatch.setattr(export, "CHUNK_ROWS", 3)
    monkeypatch.setattr(export, "BATCH_ROWS", 7)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 61)
    response = api.client.get("/api/v1/workspaces/demo/export", headers=api.headers)
    assert response.status_code == 200
    assert "evident-demo.json" in response.headers["content-disposition"]
    first = response.json()

    imported = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        files={"file": ("demo.json", response.content, "application/json")},
        data={"slug": "demo-copy", "members": "true"},
    )
    assert imported.status_code == 201, imported.text
    assert first_diff(normalised(exported(engine, "demo-copy")), normalised(first)) is None


class Generated(io.RawIOBase):
    """A large export produced as it is read, never whole in memory."""

    def __init__(self, parts: Any) -> None:
        self.parts = parts
        self.left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.left:
            self.left = next(self.parts, b"")
            if not self.left:
                return 0
        n = min(len(buffer), len(self.left))
        buffer[:n] = self.left[:n]
        self.left = self.left[n:]
        return n


def large_export(items: int) -> Any:
    stamp = "2026-01-05T10:00:00+00:00"
    times = {"created_at": stamp, "updated_at": stamp}
    head = {
        "format": "evident-workspace",
        "version": 1,
        "workspace": {"id": 1, "slug": "big", "name": "Big"} | times,
        "users": [],
    }
    yield json.dumps(head)[:-1].encode() + b',"tables":{"problem":['
    yield json.dumps({"id": 7, "title": "Exports break", "version": 1} | times).encode()
    yield b'],"evidence_item":['
    for n in range(items):
        row = {"id": n + 1, "problem_id": 7, "quote": f"Quote {n}", "signal": "paid"}
        row |= {"stance": "supports", "version": 1} | times
        yield (b"," if n else b"") + json.dumps(row).encode()
    yield b"]}}"


def test_a_large_document_is_read_a_few_rows_at_a_time(
    session: Session, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    more = reader.Reader._more

    def counted(self: reader.Reader) -> bool:
        read.append(len(self._buffer) - self._pos)
        return more(self)

    monkeypatch.setattr(reader.Reader, "_more", counted)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 1024)
    importer = session.get(User, api.user_id)
    stream = io.BufferedReader(Generated(large_export(5_000)))

    done = export.import_file(session=session, stream=stream, importer=importer)

    assert done.rows == {"problem": 1, "evidence_item": 5_000}
    items = table("evidence_item")
    count = select(func.count()).where(items.c.workspace_id == done.workspace.id)
    assert session.execute(count).scalar_one() == 5_000
    # About 1 MB of JSON went through a buffer that never held more than a chunk and a row:
    # the document is 900 times the buffer, as a large export is to the real chunk.
    assert len(read) > 900
    assert max(read) < 1024


def test_tables_out_of_order_and_sections_after_them_are_refused(session: Session) -> None:
    document = json.loads(b"".join(large_export(3)))
    segment = {"id": 1, "name": "SMB", "version": 1} | {
        key: document["workspace"][key] for key in ("created_at", "updated_at")
    }
    document["tables"]["segment"] = [segment]  # written before problems, but listed after
    with pytest.raises(InvalidInput, match="'segment' comes after 'evidence_item'"):
        export.import_workspace(session=session, document=document)
    session.rollback()

    text = b"".join(large_export(3))[:-1] + b',"secrets":{}}'
    with pytest.raises(InvalidInput, match="section this Evident does not know: secrets"):
        export.import_file(session=session, stream=io.BytesIO(text))
    session.rollback()
    text = b"".join(large_export(3))[:-1] + b',"users":[]}'
    with pytest.raises(InvalidInput, match="'users' section after its tables"):
        export.import_file(session=session, stream=io.BytesIO(text))


# ---- the reader and the id map, as pure functions ---------------------------------------------

plain = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(plain, max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(plain, max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
rows = st.dictionaries(st.text(plain, max_size=6), values, max_size=4)
documents = st.fixed_dictionaries(
    {
        "format": st.just("evident-workspace"),
        "version": st.integers(0, 10**6),
        "workspace": rows,
        "users": st.lists(rows, max_size=2),
        "tables": st.dictionaries(
            st.text(plain, max_size=6), st.lists(rows, max_size=4), max_size=3
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(documents, st.integers(1, 40), st.sampled_from([None, 0, 2]))
def test_the_reader_reads_what_the_decoder_reads(
    document: dict[str, Any], chunk: int, indent: int | None
) -> None:
    order = ("format", "version", "workspace", "users", "tables")  # as an export writes it
    document = {key: document[key] for key in order}
    data = json.dumps(document, indent=indent, ensure_ascii=chunk % 2 == 0).encode()
    opened = reader.open_stream(io.BytesIO(data), chunk_bytes=chunk)
    assert opened.header == {k: v for k, v in document.items() if k != "tables"}
    assert opened.has_tables
    expected = [
        (name, index, row) for name, table_rows in document["tables"].items()
        for index, row in enumerate(table_rows)
    ]  # fmt: skip
    assert list(opened.rows) == expected


@given(st.lists(st.integers(1, 2**40), unique=True, max_size=60))
def test_an_id_map_finds_every_id_in_any_order(ids: list[int]) -> None:
    mapping = IdMap()
    for n, old in enumerate(ids, start=1):
        mapping.add(old, n)
    for n, old in enumerate(ids, start=1):
        assert mapping.get(old) == n
        assert old in mapping
    assert 0 not in mapping
    assert mapping.get(2**41) is None
    assert sorted(mapping.new_ids()) == list(range(1, len(ids) + 1))


# ---- CSV ---------------------------------------------------------------------------------------


def test_csv_exports_are_the_same_whatever_the_chunk(api: Api, engine: Engine) -> None:
    segment = api.segment(name="SMB")
    person = api.participant(name="Ada", segment_id=segment["id"])
    problems = [api.problem(title=f"Problem {n}", tags=[f"t{n}", "all"]) for n in range(3)]
    for n in range(3):
        api.interview(
            participant_id=person["id"],
            problem_ids=[p["id"] for p in problems[n:]],
            highlights=[{"problem_id": problems[n]["id"], "quote": f"Q{n}", "signal": "paid"}],
        )
    assert api.get("export/problems.csv").status_code == 200  # stores the scorecards
    ws = workspace_id(engine, "acme")
    with engine.connect() as conn:
        for name in csv_export.CSV_TABLES:
            whole = "".join(csv_export.write_csv(conn, ws, name, 1000))
            pieces = list(csv_export.write_csv(conn, ws, name, 1))
            assert "".join(pieces) == whole
            assert len(pieces) == whole.count("\n")  # the header, then one piece per row
