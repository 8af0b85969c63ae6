"""REFI-QDA: a workspace's interviews, highlights and problems as a project (.qdpx) and a
codebook (.qdc), and a codebook from another tool read in as problems.

The files are checked against the element and attribute names, their order and the required
attributes of the REFI-QDA 1.0 schemas (Project.xsd, Codebook.xsd)."""

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.factories import Api
from tests.pages import Web, soup
from tests.research.test_highlights_api import highlight

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Children each element may have, in the schema's order, and its required attributes.
PROJECT_ORDER = [
    "Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
    "Description", "NoteRef",
]  # fmt: skip
SHAPE: dict[str, tuple[list[str], set[str], set[str]]] = {
    # tag: (children in order, required attributes, optional attributes)
    "Project": (PROJECT_ORDER, {"name"}, {"origin", "creatingUserGUID", "creationDateTime",
                "modifyingUserGUID", "modifiedDateTime", "basePath"}),
    "Users": (["User"], set(), set()),
    "User": ([], {"guid"}, {"name", "id"}),
    "CodeBook": (["Codes", "Sets"], set(), {"origin"}),
    "Codes": (["Code"], set(), set()),
    "Code": (["Description", "NoteRef", "Code"], {"guid", "name", "isCodable"}, {"color"}),
    "Description": ([], set(), set()),
    "Sources": (["TextSource"], set(), set()),
    "TextSource": (
        ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef",
         "VariableValue"],
        {"guid"},
        {"name", "richTextPath", "plainTextPath", "creatingUser", "creationDateTime",
         "modifyingUser", "modifiedDateTime"},
    ),
    "PlainTextSelection": (
        ["Description", "Coding", "NoteRef"],
        {"guid", "startPosition", "endPosition"},
        {"name", "creatingUser", "creationDateTime", "modifyingUser", "modifiedDateTime"},
    ),
    "Coding": (["CodeRef", "NoteRef"], {"guid"}, {"creatingUser", "creationDateTime"}),
    "CodeRef": ([], {"targetGUID"}, set()),
}  # fmt: skip


def check_shape(element: Any, namespace: str) -> None:
    """The element and its descendants have the schema's names, order and attributes."""
    tag = element.tag.removeprefix(namespace)
    assert element.tag.startswith(namespace), element.tag
    children, required, optional = SHAPE[tag]
    assert required <= set(element.attrib), (tag, element.attrib)
    assert set(element.attrib) <= required | optional, (tag, element.attrib)
    for name in ("guid", "targetGUID", "creatingUserGUID", "creatingUser"):
        if name in element.attrib:
            assert GUID.fullmatch(element.attrib[name]), element.attrib[name]
    order = [children.index(child.tag.removeprefix(namespace)) for child in element]
    assert order == sorted(order), (tag, [child.tag for child in element])
    for child in element:
        check_shape(child, namespace)


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
    api: Api, world: dict[str, Any]
) -> None:
    response = api.get("export/project.qdpx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="evident-acme.qdpx"' in response.headers["content-disposition"]
    root, texts = project_of(response.content)
    check_shape(root, P)
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


def test_a_codebook_lists_the_problems(api: Api, world: dict[str, Any]) -> None:
    api.problem(title="Bell\x07 rings", statement="Form feed\x0c here")  # not XML characters
    response = api.get("export/codebook.qdc")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == f"{C}CodeBook"
    check_shape(root, C)
    assert [c.get("name") for c in root.iter(f"{C}Code")] == [
        "Exports break",
        "Spreadsheet sprawl",
        "Bell\ufffd rings",
    ]


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
