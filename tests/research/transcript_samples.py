"""Transcripts written for the tests: a made-up month-end interview with several speakers,
non-ASCII names and curly punctuation, in every file format a researcher uploads."""

import io
import zipfile
from itertools import cycle, islice

import docx

ZOE = "Zoë O’Neill-Brandão"
LUKASZ = "Łukasz Wiśniewski"
SIOBHAN = "Siobhán Ní Bhriain"
INTERVIEWER = "Interviewer"

# Who says what, in order; long enough to cover turns of one and several cues.
LINES = [
    (INTERVIEWER, "Thanks for making time. How does the month end go for your team?"),
    (ZOE, "Honestly? It’s “close the books” week, and everyone dreads it."),
    (ZOE, "We export from three systems and glue it together in a spreadsheet."),
    (LUKASZ, "I keep a checklist — forty-two steps — that nobody else reads."),
    (INTERVIEWER, "What breaks most often?"),
    (SIOBHAN, "The currency column. Café receipts in złoty, invoices in euro."),
    (ZOE, "Last quarter we paid a contractor €1,200 just to reconcile it."),
    (LUKASZ, "And we’d still find mistakes in the first week of the next month."),
]


def timestamp(seconds: int, separator: str = ".") -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{separator}000"


def conversation(turns: int) -> list[tuple[str, str]]:
    """`turns` lines of the interview, going round the script again when it runs out."""
    return list(islice(cycle(LINES), turns))


def vtt(lines: list[tuple[str, str]], *, voices: bool = True) -> str:
    """A WebVTT file, one cue per line, speakers as voice tags or as a "Name:" prefix."""
    cues = ["WEBVTT", ""]
    for i, (speaker, text) in enumerate(lines):
        cue = f"<v {speaker}>{text}</v>" if voices else f"{speaker}: {text}"
        cues += [f"{timestamp(4 * i)} --> {timestamp(4 * i + 3)}", cue, ""]
    return "\n".join(cues)


def srt(lines: list[tuple[str, str]]) -> str:
    blocks = []
    for i, (speaker, text) in enumerate(lines):
        start, end = timestamp(4 * i, ","), timestamp(4 * i + 3, ",")
        blocks.append(f"{i + 1}\r\n{start} --> {end}\r\n{speaker}: {text}\r\n")
    return "\r\n".join(blocks)


def plain(lines: list[tuple[str, str]]) -> str:
    """A text export: one turn per line, no blank lines, as many tools write it."""
    return "".join(f"{speaker}: {text}\n" for speaker, text in lines)


def word_document(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def long_vtt(min_chars: int) -> str:
    """A WebVTT transcript of at least `min_chars` characters."""
    per_line = sum(len(text) for _, text in LINES) // len(LINES)
    return vtt(conversation(min_chars // per_line + len(LINES)))


def zip_bomb(unpacked_mb: int = 101) -> bytes:
    """A .docx-looking zip of a few hundred KB that unpacks to `unpacked_mb` MB of zeros."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as part,
    ):
        for _ in range(unpacked_mb):
            part.write(bytes(1_000_000))
    return out.getvalue()
