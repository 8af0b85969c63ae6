"""Reading an uploaded transcript file into notes: every format, every encoding, every refusal."""

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import AppError, InvalidInput, TooLarge, UnsupportedType
from app.research.models import NOTES_MAX
from app.research.transcript_files import read_transcript, speaker_turn
from tests.research import transcript_samples as samples
from tests.research.transcript_samples import INTERVIEWER, LUKASZ, SIOBHAN, ZOE

LINES = samples.conversation(8)
# What every caption reader makes of LINES: Zoë's two cues in a row are one turn.
EXPECTED_TURNS = [
    f"[00:00:00] {INTERVIEWER}: {LINES[0][1]}",
    f"[00:00:04] {ZOE}: {LINES[1][1]} {LINES[2][1]}",
    f"[00:00:12] {LUKASZ}: {LINES[3][1]}",
    f"[00:00:16] {INTERVIEWER}: {LINES[4][1]}",
    f"[00:00:20] {SIOBHAN}: {LINES[5][1]}",
    f"[00:00:24] {ZOE}: {LINES[6][1]}",
    f"[00:00:28] {LUKASZ}: {LINES[7][1]}",
]


def refusal(filename: str, data: bytes, **limits: int) -> AppError:
    with pytest.raises(AppError) as caught:
        read_transcript(filename, data, **limits)
    return caught.value


# ---- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("voices", [True, False], ids=["voice tags", "name prefix"])
def test_vtt_makes_one_paragraph_per_speaker_turn(voices: bool) -> None:
    transcript = read_transcript("call.vtt", samples.vtt(LINES, voices=voices).encode())
    assert transcript.text.split("\n\n") == EXPECTED_TURNS
    assert transcript.turns == 7
    assert transcript.speakers == [INTERVIEWER, ZOE, LUKASZ, SIOBHAN]


def test_srt_keeps_timestamps_and_speakers_and_drops_styling() -> None:
    text = samples.srt(LINES).replace("forty-two steps", "<i>forty-two</i> steps")
    transcript = read_transcript("call.srt", text.encode())
    assert transcript.text.split("\n\n") == EXPECTED_TURNS


def test_vtt_cues_without_a_speaker_keep_their_time() -> None:
    text = (
        "WEBVTT\n\n00:01:05.250 --> 00:01:07.000\n(laughs) fair &amp; square\n\n"
        "1:02:03.500 --> 1:02:05.000\n<v.loud Zoë O’Neill (Finance)>Right.</v>\n"
    )
    notes = read_transcript("call.vtt", text.encode()).text
    assert notes == "[00:01:05] (laughs) fair & square\n\n[01:02:03] Zoë O’Neill Finance: Right."


def test_plain_text_starts_a_paragraph_at_each_turn_and_keeps_prose() -> None:
    text = samples.plain(LINES[:3]) + "\n\nNotes after the call:\nthey use\ntwo exports.\n"
    paragraphs = read_transcript("call.txt", text.encode()).text.split("\n\n")
    assert paragraphs == [f"{speaker}: {line}" for speaker, line in LINES[:3]] + [
        "Notes after the call:\nthey use\ntwo exports."
    ]


def test_markdown_is_read_as_text() -> None:
    text = "# Call with Zoë\n\n**Context**: month end.\n\nZoë: We “close” in a spreadsheet.\n"
    notes = read_transcript("call.md", text.encode()).text
    assert (
        notes == "# Call with Zoë\n\n**Context**: month end.\n\nZoë: We “close” in a spreadsheet."
    )


def test_docx_paragraphs_and_a_speaker_table() -> None:
    data = samples.word_document(
        ["Call with the finance team", "", f"{ZOE}: {LINES[1][1]}"],
        table=[[LUKASZ, LINES[3][1]], [SIOBHAN, LINES[5][1]]],
    )
    transcript = read_transcript("call.docx", data)
    assert transcript.text.split("\n\n") == [
        "Call with the finance team",
        f"{ZOE}: {LINES[1][1]}",
        f"{LUKASZ}: {LINES[3][1]}",
        f"{SIOBHAN}: {LINES[5][1]}",
    ]
    assert transcript.speakers == [ZOE, LUKASZ, SIOBHAN]


def test_html_keeps_paragraphs_and_drops_scripts_styles_and_comments() -> None:
    page = f"""<!doctype html><html><head><title>Export</title>
    <style>p {{ color: red }}</style><script>document.title = "stolen"</script></head>
    <body><h1>Call &amp; notes</h1><!-- internal: do not share -->
    <p>{ZOE}: It’s “close the books”<br>week.</p>
    <div><p>{LUKASZ}:   forty-two
       steps</p></div><script>alert("x")</script>
    <table><tr><th>{SIOBHAN}</th><td>Café receipts</td></tr></table>
    <pre>[00:03:10] (laughs)
    line two</pre></body></html>"""
    notes = read_transcript("call.html", page.encode()).text
    assert notes.split("\n\n") == [
        "Call & notes",
        f"{ZOE}: It’s “close the books”\nweek.",
        f"{LUKASZ}: forty-two steps",
        f"{SIOBHAN}: Café receipts",
        "[00:03:10] (laughs)\n    line two",
    ]
    assert "stolen" not in notes and "alert" not in notes and "internal" not in notes


def test_an_xhtml_page_declaring_another_charset_is_read_as_it_was_decoded() -> None:
    page = (
        '<?xml version="1.0" encoding="iso-8859-2"?><html><head><meta charset="latin1">'
        f"</head><body><p>{LUKASZ}: żółć</p></body></html>"
    )
    assert read_transcript("call.htm", page.encode()).text == f"{LUKASZ}: żółć"


def test_a_transcript_over_300000_characters_is_read_whole() -> None:
    text = samples.long_vtt(300_000)
    transcript = read_transcript("long.vtt", text.encode())
    assert len(transcript.text) > 300_000
    assert transcript.speakers == [INTERVIEWER, ZOE, LUKASZ, SIOBHAN]
    cues = text.count(" --> ")
    assert transcript.text.count(LINES[5][1]) == cues // len(LINES)


# ---- encodings -------------------------------------------------------------------------------

NAMES_TEXT = f"{ZOE}: “Café” — ça va?\r\n{SIOBHAN}: Grand.\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"])
def test_every_encoding_a_researcher_has_reads_the_same(encoding: str) -> None:
    text = "Zoë Brandão: “Café” — ça va?\r\nSiobhán: Grand, 5 €.\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # as Windows writes it: with its byte order mark
    notes = read_transcript("call.txt", data).text
    assert notes == "Zoë Brandão: “Café” — ça va?\n\nSiobhán: Grand, 5 €."


def test_accents_typed_as_two_characters_are_stored_as_one() -> None:
    decomposed = "Zoe\u0308: Cafe\u0301"
    data = samples.word_document([decomposed])
    assert read_transcript("call.docx", data).text == "Zoë: Café"
    assert read_transcript("call.txt", decomposed.encode()).text == "Zoë: Café"


def test_a_long_or_strange_file_name_is_shortened_in_messages() -> None:
    error = refusal("C:\\Users\\zoe\\" + "x" * 300 + "\n.pdf", b"%PDF")
    assert error.message.startswith("x" * 40 + "…")
    assert "\n" not in error.message and "Users" not in error.message


def test_polish_names_in_utf8_are_not_taken_for_windows_1252() -> None:
    assert read_transcript("call.txt", NAMES_TEXT.encode()).text.startswith(ZOE)
    text = f"{LUKASZ}: żółć."
    assert read_transcript("call.txt", text.encode()).text == text


_words = st.text(
    alphabet=st.sampled_from("abcdeéëñóáüçØßZÖ’“”–—…€ "), min_size=1, max_size=40
).filter(str.strip)


@given(st.lists(_words, min_size=1, max_size=20))
def test_utf8_text_comes_back_word_for_word(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs)
    notes = read_transcript("notes.txt", text.encode("utf-8")).text
    assert notes.split() == text.split()


# A non-ASCII byte followed by an ASCII one is never UTF-8, so such Windows-1252 text (every
# accented letter or curly quote followed by a plain letter, space or digit) is never mistaken.
_cp1252_words = st.lists(
    st.tuples(st.sampled_from("éëñóáüçØßÖ’“”–—…€"), st.sampled_from("abz09 ")), min_size=1
).map(lambda pairs: "".join(a + b for a, b in pairs))


@given(_cp1252_words)
def test_windows_1252_text_comes_back_word_for_word(text: str) -> None:
    notes = read_transcript("notes.txt", ("Ana: " + text).encode("cp1252")).text
    assert notes.split() == ("Ana: " + text).split()


# ---- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["call.pdf", "call.doc", "call", "call.vtt.exe", ""])
def test_a_file_of_another_type_is_415_naming_the_accepted_types(filename: str) -> None:
    error = refusal(filename, b"Ana: hello")
    assert isinstance(error, UnsupportedType) and error.status == 415
    assert ".txt, .md, .vtt, .srt, .docx or .html" in error.message


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "save it as .docx"),
        (bytes(range(256)) * 40, "does not look like text"),
        ("Ana: hi there, no byte order mark".encode("utf-16-le"), "does not look like text"),
    ],
    ids=["png", "pdf", "doc", "random bytes", "utf-16 without a BOM"],
)
def test_a_binary_file_named_txt_is_415(data: bytes, what: str) -> None:
    error = refusal("call.txt", data)
    assert isinstance(error, UnsupportedType)
    assert what in error.message


def test_a_text_with_a_stray_control_character_is_kept_without_it() -> None:
    assert read_transcript("old.txt", b"Ana: hi\x1a").text == "Ana: hi"


def test_a_file_over_the_size_limit_is_413_saying_the_limit() -> None:
    error = refusal("call.txt", b"a" * 2_000_001, max_bytes=2_000_000)
    assert isinstance(error, TooLarge)
    assert "at most 2.0 MB" in error.message


def test_a_text_longer_than_the_notes_hold_is_413() -> None:
    data = ("Ana: " + "word " * (NOTES_MAX // 5)).encode()
    error = refusal("call.txt", data)
    assert isinstance(error, TooLarge)
    assert f"at most {NOTES_MAX:,}" in error.message


def test_an_empty_file_is_422() -> None:
    assert isinstance(refusal("call.txt", b"  \n\n "), InvalidInput)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("00:00:01.000 --> 00:00:02.000\nAna: no header\n", "must start with the line WEBVTT"),
        ("WEBVTT\n\n00:00:01.000 --> soon\nAna: hi\n", "1 of its 1 cues"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:99.000 --> 00:01:00.000\nx\n", ""),
        (
            "WEBVTT\n\nNOTE from the call\n\n00:00:01.000 --> 00:00:02.000\nAna: first\n\n"
            "and the rest\n",
            "the text at line 8 is in no cue",
        ),
    ],
    ids=["no header", "bad timing", "bad timestamp", "text outside a cue"],
)
def test_a_malformed_vtt_is_422(text: str, said: str) -> None:
    error = refusal("call.vtt", text.encode())
    assert isinstance(error, InvalidInput)
    assert "call.vtt" in error.message and said in error.message


def test_a_malformed_srt_is_422_with_the_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n\n2\n00:00:03,000 -> soon\nBob: yo\n"
    error = refusal("call.srt", text.encode())
    assert isinstance(error, InvalidInput)
    assert "line 5" in error.message


def test_a_docx_that_is_not_a_zip_is_415() -> None:
    assert isinstance(refusal("call.docx", b"Ana: typed, then renamed"), UnsupportedType)


def test_a_zip_that_is_not_a_word_document_is_422() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "Ana: hi")
    assert isinstance(refusal("call.docx", out.getvalue()), InvalidInput)


def test_a_zip_bomb_docx_is_413_before_it_is_unpacked() -> None:
    bomb = samples.zip_bomb()
    assert len(bomb) < 200_000
    error = refusal("call.docx", bomb)
    assert isinstance(error, TooLarge)
    assert "unpacks to more than 100.0 MB" in error.message


def test_a_docx_whose_xml_defines_entities_is_refused_unexpanded() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "ha">{laughs}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    real = zipfile.ZipFile(io.BytesIO(samples.word_document(["Ana: hi"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in real.infolist():
            is_body = part.filename == "word/document.xml"
            archive.writestr(part.filename, document if is_body else real.read(part))
    assert isinstance(refusal("call.docx", out.getvalue()), InvalidInput)


def test_a_docx_with_too_many_parts_is_413() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(2_001):
            archive.writestr(f"word/media/{i}.xml", "")
    assert isinstance(refusal("call.docx", out.getvalue()), TooLarge)


# ---- the turn rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "turn"),
    [
        ("[00:01:02] Ana Sousa: We close", {"time": "00:01:02", "speaker": "Ana Sousa"}),
        (
            "[1:02:03.500] Zoë O'Neill-Brandão: Right.",
            {"time": "1:02:03.500", "speaker": ZOE.replace("’", "'")},
        ),
        ("Interviewer: And then?", {"time": "", "speaker": "Interviewer"}),
        ("[00:03:10] (laughs)", None),
        ("See https://example.org for more", None),
        ("one two three four five six: too many words", None),
        ("2026: a year", None),
    ],
)
def test_speaker_turns_follow_the_format(paragraph: str, turn: dict[str, str] | None) -> None:
    assert speaker_turn(paragraph) == turn
