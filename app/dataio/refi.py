"""REFI-QDA: a workspace as a project that qualitative-analysis tools open, and their codebooks
read in as problems.

The export follows the REFI-QDA standard (Project.xsd and Codebook.xsd, version 1.0):
- problems are codes (`Code`, codable, with the statement as `Description`);
- each interview is a text source (`TextSource`) whose plain text is its notes, stored in the
  archive as `sources/<guid>.txt` and named `internal://<guid>.txt`;
- each highlight placed in the notes (an evidence item with `quote_start` and `quote_end`) is a
  `PlainTextSelection` at those character offsets, coded (`Coding`/`CodeRef`) with its problem;
  a quote that is not (or no longer) in the notes has no place to point to and is left out.
A `.qdpx` is a zip of `project.qde` (the XML) and the sources; a `.qdc` is the codebook alone.
GUIDs are derived from the workspace and the row, so exporting twice gives the same GUIDs.

A codebook to import is untrusted XML: it is read with defusedxml (no DTD, no entities, no
network), within a size limit, and every code (nested codes included) becomes a problem unless
the workspace already has a problem of that title.
"""

import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from lxml import etree
from pydantic import BaseModel
from sqlmodel import Session, col, select

from app.errors import InvalidInput, TooLarge, UnsupportedType
from app.problems import service as problems_service
from app.problems.models import Problem, ProblemCreate
from app.research.models import EvidenceItem, Interview, Participant
from app.workspaces.deps import WorkspaceContext

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Evident"
MAX_CODEBOOK_BYTES = 2_000_000
MAX_CODES = 2_000
TITLE_MAX = 200
STATEMENT_MAX = 5_000


def guid(ctx: WorkspaceContext, kind: str, row_id: int | None) -> str:
    """A stable GUID for a row of this workspace."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evident:{ctx.workspace.slug}:{kind}:{row_id}"))


def _stamp(value: datetime | None) -> str:
    moment = value or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _problems(session: Session, ctx: WorkspaceContext) -> list[Problem]:
    stmt = select(Problem).where(Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None))
    return list(session.exec(stmt.order_by(col(Problem.id))).all())


# What XML 1.0 cannot hold (control characters, lone surrogates): replaced in names and
# descriptions. The sources' text files keep the notes as they are, so offsets still hold.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _element(parent: Any, ns: str, tag: str, attrs: dict[str, str] | None = None) -> Any:
    clean = {name: _text(value) for name, value in (attrs or {}).items()}
    return etree.SubElement(parent, f"{{{ns}}}{tag}", clean)


def _codes(parent: Any, ctx: WorkspaceContext, problems: list[Problem], ns: str) -> None:
    codes = _element(parent, ns, "Codes")
    for problem in problems:
        code = _element(
            codes,
            ns,
            "Code",
            {"guid": guid(ctx, "problem", problem.id), "name": problem.title, "isCodable": "true"},
        )
        if problem.statement:
            _element(code, ns, "Description").text = _text(problem.statement)


def _root(ns: str, tag: str, attrs: dict[str, str]) -> Any:
    clean = {name: _text(value) for name, value in attrs.items()}
    return etree.Element(f"{{{ns}}}{tag}", clean, nsmap={None: ns})


def _xml(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def codebook(*, session: Session, ctx: WorkspaceContext) -> bytes:
    """The workspace's problems as a REFI-QDA codebook (.qdc)."""
    problems = _problems(session, ctx)
    if not problems:
        raise InvalidInput("The workspace has no problems yet: a codebook needs at least one.")
    root = _root(CODEBOOK_NS, "CodeBook", {"origin": ORIGIN})
    _codes(root, ctx, problems, CODEBOOK_NS)
    return _xml(root)


@dataclass
class _Source:
    interview: Interview
    participant: str | None
    highlights: list[EvidenceItem] = field(default_factory=list)


def _sources(session: Session, ctx: WorkspaceContext, live: set[int | None]) -> list[_Source]:
    interviews = session.exec(
        select(Interview, Participant.name)
        .join(Participant, col(Participant.id) == col(Interview.participant_id), isouter=True)
        .where(Interview.workspace_id == ctx.id, col(Interview.deleted_at).is_(None))
        .order_by(col(Interview.occurred_on), col(Interview.id))
    ).all()
    sources = {row.id: _Source(row, name) for row, name in interviews}
    placed = session.exec(
        select(EvidenceItem)
        .where(
            EvidenceItem.workspace_id == ctx.id,
            col(EvidenceItem.deleted_at).is_(None),
            col(EvidenceItem.interview_id).in_(list(sources)),
            col(EvidenceItem.quote_start).is_not(None),
            col(EvidenceItem.quote_end).is_not(None),
        )
        .order_by(col(EvidenceItem.quote_start), col(EvidenceItem.id))
    ).all()
    for item in placed:
        source = sources[item.interview_id]
        notes = source.interview.notes or ""
        start, end = item.quote_start or 0, item.quote_end or 0
        if item.problem_id in live and 0 <= start < end <= len(notes):
            source.highlights.append(item)
    return list(sources.values())


def _source_name(source: _Source) -> str:
    interview = source.interview
    name = interview.title or f"Interview on {interview.occurred_on}"
    return f"{name} ({source.participant})" if source.participant else name


def project(*, session: Session, ctx: WorkspaceContext) -> bytes:
    """The workspace as a REFI-QDA project (.qdpx): project.qde and one text file a source."""
    problems = _problems(session, ctx)
    sources = _sources(session, ctx, {p.id for p in problems})
    user = guid(ctx, "user", ctx.user_id)
    now = _stamp(None)
    root = _root(
        PROJECT_NS,
        "Project",
        {
            "name": ctx.workspace.name,
            "origin": ORIGIN,
            "creatingUserGUID": user,
            "creationDateTime": now,
        },
    )
    users = _element(root, PROJECT_NS, "Users")
    _element(users, PROJECT_NS, "User", {"guid": user, "name": ctx.user.name})
    if problems:
        _codes(_element(root, PROJECT_NS, "CodeBook"), ctx, problems, PROJECT_NS)
    files: dict[str, str] = {}
    if sources:
        holder = _element(root, PROJECT_NS, "Sources")
        for source in sources:
            source_guid = guid(ctx, "interview", source.interview.id)
            files[f"sources/{source_guid}.txt"] = source.interview.notes or ""
            text_source = _element(
                holder,
                PROJECT_NS,
                "TextSource",
                {
                    "guid": source_guid,
                    "name": _source_name(source),
                    "plainTextPath": f"internal://{source_guid}.txt",
                    "creationDateTime": _stamp(source.interview.created_at),
                },
            )
            for item in source.highlights:
                selection = _element(
                    text_source,
                    PROJECT_NS,
                    "PlainTextSelection",
                    {
                        "guid": guid(ctx, "evidence", item.id),
                        "name": item.quote[:200],
                        "startPosition": str(item.quote_start),
                        "endPosition": str(item.quote_end),
                        "creationDateTime": _stamp(item.created_at),
                    },
                )
                coding = _element(
                    selection,
                    PROJECT_NS,
                    "Coding",
                    {"guid": guid(ctx, "coding", item.id), "creationDateTime": _stamp(None)},
                )
                _element(
                    coding,
                    PROJECT_NS,
                    "CodeRef",
                    {"targetGUID": guid(ctx, "problem", item.problem_id)},
                )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", _xml(root))
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


# ---- import a codebook -------------------------------------------------------------------------


class CodebookImport(BaseModel):
    created: list[dict[str, Any]]
    skipped: list[str]  # codes whose title a problem of the workspace already has


def _read_codes(content: bytes) -> list[tuple[str, str]]:
    """(name, description) of every code of a codebook or project file, nested ones included."""
    if len(content) > MAX_CODEBOOK_BYTES:
        raise TooLarge(f"A codebook is at most {MAX_CODEBOOK_BYTES // 1_000_000} MB.")
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UnsupportedType("This is not an XML file: upload a REFI-QDA codebook (.qdc).")
    try:
        root = safe_xml.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidInput(
            "The codebook declares a document type or entities, which are not accepted."
        ) from exc
    except SyntaxError as exc:  # ParseError
        raise InvalidInput(f"The codebook is not well-formed XML: {exc}.") from exc
    if root.tag == f"{{{PROJECT_NS}}}Project":
        root = root.find(f"{{{PROJECT_NS}}}CodeBook")
        ns = PROJECT_NS
    elif root.tag == f"{{{CODEBOOK_NS}}}CodeBook":
        ns = CODEBOOK_NS
    else:
        root = None
        ns = CODEBOOK_NS
    codes = root.find(f"{{{ns}}}Codes") if root is not None else None
    if codes is None:
        raise InvalidInput(
            f"No codes found: a REFI-QDA codebook is a <CodeBook> in the {CODEBOOK_NS}"
            " namespace holding <Codes>."
        )
    found = []
    for code in codes.iter(f"{{{ns}}}Code"):
        name = " ".join((code.get("name") or "").split())
        if not name:
            raise InvalidInput("A code has no name.")
        description = code.findtext(f"{{{ns}}}Description") or ""
        found.append((name[:TITLE_MAX], description.strip()[:STATEMENT_MAX]))
        if len(found) > MAX_CODES:
            raise TooLarge(f"A codebook holds at most {MAX_CODES:,} codes.")
    return found


def import_codebook(*, session: Session, ctx: WorkspaceContext, content: bytes) -> CodebookImport:
    """Each code of the codebook as a problem, unless one of that title exists already."""
    codes = _read_codes(content)
    taken = {p.title.casefold() for p in _problems(session, ctx)}
    created, skipped = [], []
    for name, description in codes:
        if name.casefold() in taken:
            skipped.append(name)
            continue
        taken.add(name.casefold())
        problem = problems_service.create_problem(
            session=session,
            ctx=ctx,
            payload=ProblemCreate(title=name, statement=description),
        )
        created.append({"id": problem.id, "title": problem.title})
    session.flush()
    return CodebookImport(created=created, skipped=skipped)
