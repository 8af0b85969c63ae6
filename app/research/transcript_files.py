"""An uploaded transcript file, read into the text of an interview's notes.

The text format is one string: paragraphs separated by a blank line, a speaker turn being a
paragraph that starts with an optional ``[hh:mm:ss]`` and ``Name: ``. Captions (.vtt, .srt)
become one paragraph per speaker turn; documents (.txt, .md, .docx, .html) keep their
paragraphs, and a line that starts a turn starts a paragraph of its own.

Every file is untrusted: a refusal is an `AppError` with a plain message (415 for a file of
another type or not text, 413 for one too large, 422 for one that is broken), never a crash.
"""

import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import docx
import srt
import webvtt
from docx.table import Table
from lxml import etree
from webvtt.errors import MalformedCaptionError, MalformedFileError

from app.errors import InvalidInput, TooLarge, UnsupportedType
from app.research.models import NOTES_MAX

READERS = {
    ".txt": "text",
    ".md": "text",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
ACCEPTED = ".txt, .md, .vtt, .srt, .docx or .html"
# The `accept` attribute of a file input that takes transcripts.
ACCEPT_ATTRIBUTE = ".txt,.md,.vtt,.srt,.docx,.html,.htm"
DEFAULT_MAX_BYTES = 10_000_000
# A .docx is a zip: what it unpacks to is checked (as declared, which the zip reader enforces)
# before anything is parsed, so a small file cannot blow up into gigabytes.
DOCX_MAX_UNPACKED_BYTES = 100_000_000
DOCX_MAX_PARTS = 2_000
# Captions with no speaker are grouped into paragraphs of about this long.
UNVOICED_PARAGRAPH = timedelta(minutes=1)

_TIMESTAMP = r"\[(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d{1,3})?\]"
# A letter of any script, then letters, digits, spaces, dots, hyphens and apostrophes.
_NAME = r"[^\W\d_](?:[^\W_]|[ .\-'\u2019]){0,39}"
TURN = re.compile(rf"(?:(?P<time>{_TIMESTAMP}) )?(?P<speaker>{_NAME}): ")
_SPEAKER_PREFIX = re.compile(rf"(?P<speaker>{_NAME}):\s+")
_TIMING_LINE = re.compile(r"\s*[\d:.,]+\s+-->")
SPEAKER_MAX_CHARS = 40
SPEAKER_MAX_WORDS = 5

# C0 controls other than tab, newline, vertical tab, form feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# What a file that is not text starts with, to say what it is rather than "unreadable".
_SIGNATURES = (
    (b"%PDF-", "a PDF"),
    (b"\xd0\xcf\x11\xe0", "an older Office file (.doc); save it as .docx"),
    (b"{\\rtf", "a Rich Text file (.rtf); save it as .docx or .txt"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive"),
)


@dataclass(frozen=True)
class Transcript:
    """The notes read from a file, with what was recognised in them."""

    text: str
    turns: int
    speakers: list[str]


def read_transcript(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_chars: int = NOTES_MAX,
) -> Transcript:
    """The text of an uploaded transcript file, in the notes' format; refused with a clear
    415, 413 or 422 when it cannot be read."""
    name = _display_name(filename)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    reader = READERS.get(suffix)
    if reader is None:
        raise UnsupportedType(
            f"{name} is not a transcript file Evident can read: upload a {ACCEPTED} file.",
            details={"accepted": list(READERS)},
        )
    if len(data) > max_bytes:
        raise TooLarge(
            f"{name} is {_megabytes(len(data))}; a transcript file can be at most "
            f"{_megabytes(max_bytes)}."
        )
    if reader == "docx":
        paragraphs = _read_docx(name, data)
    else:
        text = decode_text(name, data)
        if reader == "vtt":
            paragraphs = _read_vtt(name, text)
        elif reader == "srt":
            paragraphs = _read_srt(name, text)
        elif reader == "html":
            paragraphs = split_paragraphs(_HtmlText.blocks_of(name, text))
        else:
            paragraphs = split_paragraphs([text])
    # One form of each accented letter, whatever the file's writer chose, so search finds it.
    notes = unicodedata.normalize("NFC", "\n\n".join(paragraphs))
    if not notes:
        raise InvalidInput(f"{name} holds no text to keep as notes.")
    if len(notes) > max_chars:
        raise TooLarge(
            f"The transcript in {name} is {len(notes):,} characters long; an interview's notes "
            f"hold at most {max_chars:,}. Split it into two interviews."
        )
    speakers = [turn["speaker"] for p in notes.split("\n\n") if (turn := speaker_turn(p))]
    return Transcript(text=notes, turns=len(speakers), speakers=list(dict.fromkeys(speakers)))


def speaker_turn(paragraph: str) -> dict[str, str] | None:
    """The timestamp and speaker a paragraph starts with, when it is a speaker turn."""
    match = TURN.match(paragraph)
    if match is None or not _is_speaker(match["speaker"]):
        return None
    return {"time": (match["time"] or "").strip("[]"), "speaker": match["speaker"]}


def _is_speaker(name: str) -> bool:
    return len(name) <= SPEAKER_MAX_CHARS and len(name.split()) <= SPEAKER_MAX_WORDS


def _display_name(filename: str) -> str:
    """The file's own name (no folders), printable and short enough for a message."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c if c.isprintable() else "?" for c in name)
    return (name if len(name) <= 80 else f"{name[:40]}…{name[-39:]}") or "The file"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# ---- text ----------------------------------------------------------------------------------


def decode_text(name: str, data: bytes) -> str:
    """Bytes as text: UTF-8 (with or without a BOM), UTF-16 or UTF-32 with a BOM, else
    Windows-1252; a binary file is refused."""
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedType(f"{name} is {what}, not a transcript: upload a {ACCEPTED} file.")
    text = _decoded(data)
    if text is None or "\x00" in text or len(_CONTROL.findall(text)) > 1 + len(text) // 100:
        raise UnsupportedType(
            f"{name} does not look like text. Upload a {ACCEPTED} file; if it is text, save "
            "it as UTF-8 and try again."
        )
    # A stray control character (an old end-of-file mark) is dropped rather than refused.
    text = _CONTROL.sub("", text).replace("\ufeff", "")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")


def _decoded(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Valid UTF-8 is almost never an accident, so what is not UTF-8 is the Windows default.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def split_paragraphs(blocks: Iterable[str]) -> list[str]:
    """Paragraphs of text blocks: a blank line ends one, and so does a line that starts a
    speaker turn (a transcript often puts each turn on one line, with no blank line between)."""
    paragraphs: list[str] = []
    for block in blocks:
        lines: list[str] = []
        for raw in block.split("\n"):
            line = raw.rstrip()
            if not line.strip() or (lines and speaker_turn(line)):
                if lines:
                    paragraphs.append("\n".join(lines))
                lines = [line] if line.strip() else []
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


# ---- captions ------------------------------------------------------------------------------


@dataclass
class _Turn:
    start: timedelta
    speaker: str | None
    texts: list[str]

    def paragraph(self) -> str:
        seconds = int(self.start.total_seconds())
        time = f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}]"
        who = f" {self.speaker}:" if self.speaker else ""
        return f"{time}{who} {' '.join(self.texts)}"


def _cue_turns(cues: Iterable[tuple[timedelta, str | None, str]]) -> list[str]:
    """One paragraph per speaker turn: consecutive cues of one speaker join the first."""
    turns: list[_Turn] = []
    for start, voice, raw_text in cues:
        text = " ".join(html.unescape(raw_text).split())
        speaker = _speaker_name(voice) if voice else None
        prefix = None if speaker else _SPEAKER_PREFIX.match(text)
        if prefix and _is_speaker(prefix["speaker"]):
            speaker, text = prefix["speaker"], text[prefix.end() :]
        if not text:
            continue
        last = turns[-1] if turns else None
        if (
            last is not None
            and last.speaker == speaker
            and (speaker is not None or start - last.start < UNVOICED_PARAGRAPH)
        ):
            last.texts.append(text)
        else:
            turns.append(_Turn(start, speaker, [text]))
    return [turn.paragraph() for turn in turns]


def _speaker_name(voice: str) -> str | None:
    """A voice tag's name as a speaker name of the format ("Ana (Finance)" -> "Ana Finance")."""
    kept = re.sub(r"[^\w .\-'\u2019]|_", " ", voice)
    words = kept.split()[:SPEAKER_MAX_WORDS]
    name = " ".join(words)[:SPEAKER_MAX_CHARS].strip()
    return name if name and _is_speaker(name) and re.fullmatch(_NAME, name) else None


def _read_vtt(name: str, text: str) -> list[str]:
    try:
        captions = webvtt.from_string(text)
    except MalformedFileError:
        raise InvalidInput(
            f"{name} is not a WebVTT file: it must start with the line WEBVTT."
        ) from None
    except MalformedCaptionError as exc:
        raise InvalidInput(f"{name} could not be read: {_short(str(exc))}.") from None
    # The reader skips a cue it cannot read; losing part of a conversation silently is worse
    # than saying which file is broken.
    timings = sum(1 for line in text.split("\n") if _TIMING_LINE.match(line))
    if timings != len(captions):
        raise InvalidInput(
            f"{name} could not be read whole: {timings - len(captions)} of its {timings} cues "
            "have a malformed timing line or block. Fix them and upload it again."
        )
    if line := _stray_text_line(text):
        raise InvalidInput(
            f"{name} could not be read whole: the text at line {line} is in no cue (a blank "
            "line inside a cue ends it). Remove that blank line and upload it again."
        )
    cues = (
        (timedelta(milliseconds=c.start_time.in_milliseconds()), c.voice, " ".join(c.text.split()))
        for c in captions.captions
    )
    return _cue_turns(cues)


def _stray_text_line(text: str) -> int:
    """The line of the first block of text that is neither the header, a cue, a note, a style
    nor a region (the WebVTT reader skips such a block without a word); 0 when there is none."""
    line, first = 1, True
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        start = line + len(block) - len(block.lstrip("\n"))
        line += block.count("\n") + 2
        if not block.strip() or first:
            first = first and not block.strip()
            continue
        if lines[0].split(" ", 1)[0] in ("NOTE", "STYLE", "REGION") or any(
            "-->" in part for part in lines[:2]
        ):
            continue
        return start
    return 0


def _read_srt(name: str, text: str) -> list[str]:
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, srt.TimestampParseError, ValueError) as exc:
        line = text.count("\n", 0, getattr(exc, "expected_start", 0)) + 1
        raise InvalidInput(
            f"{name} could not be read: the subtitle starting at line {line} is malformed "
            "(each needs a number, a line '00:00:01,000 --> 00:00:04,000' and its text)."
        ) from None
    tags = re.compile(r"</?[A-Za-z][^<>]*>|\{\\[^{}]*\}")
    return _cue_turns((s.start, None, tags.sub("", s.content)) for s in subtitles)


def _short(message: str, limit: int = 120) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


# ---- documents -----------------------------------------------------------------------------


def _row_paragraph(cells: list[str]) -> str:
    """A table row as a paragraph: "Name | what they said" becomes a speaker turn."""
    cells = [" ".join(cell.split()) for cell in cells]
    cells = [cell for i, cell in enumerate(cells) if cell and (i == 0 or cell != cells[i - 1])]
    if len(cells) >= 2 and _speaker_name(cells[0]) == cells[0]:
        return f"{cells[0]}: {' '.join(cells[1:])}"
    return " ".join(cells)


def _read_docx(name: str, data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise UnsupportedType(
            f"{name} is not a Word document (.docx). Upload a {ACCEPTED} file."
        ) from None
    if len(parts) > DOCX_MAX_PARTS or sum(p.file_size for p in parts) > DOCX_MAX_UNPACKED_BYTES:
        raise TooLarge(
            f"{name} unpacks to more than {_megabytes(DOCX_MAX_UNPACKED_BYTES)}, more than a "
            "transcript holds; save it again from Word, or as .txt."
        )
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
    # The file is untrusted: whatever the Word reader fails on, the answer is the same.
    except Exception:
        raise InvalidInput(
            f"{name} could not be read as a Word document; open it in Word and save it again, "
            "or save it as .txt."
        ) from None
    return split_paragraphs(blocks)


def _docx_blocks(document: object) -> Iterator[str]:
    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            for row in block.rows:
                yield _row_paragraph([cell.text for cell in row.cells])
        else:
            yield block.text


class _HtmlText:
    """The visible text of an HTML page, one block per paragraph; scripts and styles dropped.

    It listens to lxml's HTML parser (libxml2: linear, forgiving of broken markup, no network,
    comments never reported) rather than building a tree of a large page.
    """

    SKIP = frozenset({"head", "script", "style", "noscript", "template", "svg", "math", "title"})
    BLOCKS = frozenset(
        {
            *("p", "div", "section", "article", "main", "header", "footer", "aside", "nav"),
            *("h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "li", "ul", "ol"),
            *("dl", "dt", "dd", "table", "tr", "figure", "figcaption", "hr", "address", "body"),
            *("details", "summary", "form", "fieldset"),
        }
    )

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = []
        self.cells: list[str] | None = None
        self.skipping = 0
        self.pre = 0

    @classmethod
    def blocks_of(cls, name: str, text: str) -> list[str]:
        reader = cls()
        # Given as UTF-8 bytes with the encoding named, so a page's own charset or XML
        # declaration (already dealt with when the file was decoded) cannot contradict it.
        parser = etree.HTMLParser(target=reader, encoding="utf-8", no_network=True)
        try:
            if text.strip():
                etree.fromstring(text.encode("utf-8"), parser)
        except (etree.LxmlError, ValueError):
            raise InvalidInput(f"{name} could not be read as an HTML page.") from None
        reader._end_block()
        return reader.blocks

    def close(self) -> None:
        """The end of the page (the parser's target protocol)."""

    def _end_block(self) -> None:
        text = "".join(self.parts)
        self.parts = []
        if self.cells is not None:
            self.cells.append(text)
            return
        lines = (line if self.pre else " ".join(line.split()) for line in text.split("\n"))
        block = "\n".join(lines).strip("\n")
        if block.strip():
            self.blocks.append(block)

    def start(self, tag: str, attrib: object) -> None:
        if tag == "body":
            self.skipping = 0  # a page that never closed its head
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            if self.cells is None:
                self._end_block()
                self.cells = []
            else:
                self._end_block()
        elif tag in self.BLOCKS:
            self._end_row()
            self._end_block()
            if tag == "pre":
                self.pre += 1

    def end(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th"):
            if self.cells is not None:
                self._end_block()
        elif tag in self.BLOCKS:
            self._end_row()
            self._end_block()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def _end_row(self) -> None:
        if self.cells is not None:
            self._end_block()
            cells, self.cells = self.cells, None
            self.parts = [_row_paragraph(cells)]
            self._end_block()

    def data(self, data: str) -> None:
        if not self.skipping:
            # Outside <pre>, a newline in the source is a space; only <br> breaks a line.
            self.parts.append(data if self.pre else data.replace("\n", " "))
