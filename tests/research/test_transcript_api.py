"""Uploading a transcript file through the API: an interview made from it, or its notes
replaced; every format, and every refusal answered in the error shape with nothing written."""

from typing import Any

import pytest
from httpx import Response

from tests.factories import Api
from tests.helpers import assert_error, fields_of
from tests.research import transcript_samples as samples
from tests.research.transcript_samples import INTERVIEWER, LUKASZ, SIOBHAN, ZOE

LINES = samples.conversation(8)
FIRST_TURN = f"[00:00:00] {INTERVIEWER}: {LINES[0][1]}"


def upload(api: Api, filename: str, data: bytes, **fields: Any) -> Response:
    form = {"occurred_on": "2026-10-01"} | fields
    return api.client.post(
        api.url("interviews/transcript"),
        headers=api.headers,
        data=form,
        files={"file": (filename, data)},
    )


def replace(api: Api, interview_id: int, filename: str, data: bytes, version: int) -> Response:
    return api.client.put(
        api.url(f"interviews/{interview_id}/transcript"),
        headers=api.headers,
        data={"version": str(version)},
        files={"file": (filename, data)},
    )


def interviews_total(api: Api) -> int:
    return int(api.ok(api.get("interviews"))["total"])


FILES = {
    "call.vtt": (samples.vtt(LINES).encode(), FIRST_TURN),
    "call.srt": (samples.srt(LINES).encode("utf-8-sig"), FIRST_TURN),
    "call.txt": (samples.plain(LINES).encode("utf-16"), f"{INTERVIEWER}: {LINES[0][1]}"),
    "call.md": (samples.plain(LINES).encode("cp1252", "replace"), f"{INTERVIEWER}: "),
    "call.docx": (samples.word_document([f"{ZOE}: {LINES[1][1]}"]), f"{ZOE}: {LINES[1][1]}"),
    "call.html": (f"<p>{LUKASZ}: żółć</p><script>x()</script>".encode(), f"{LUKASZ}: żółć"),
}


@pytest.mark.parametrize("filename", list(FILES))
def test_every_format_makes_an_interview(api: Api, filename: str) -> None:
    data, starts = FILES[filename]
    problem = api.problem()
    person = api.participant(name=SIOBHAN)
    interview = api.ok(
        upload(
            api,
            filename,
            data,
            kind="usability_test",
            participant_id=str(person["id"]),
            title="Month end with the finance team",
            problem_ids=[str(problem["id"])],
        ),
        201,
    )
    assert interview["notes"].startswith(starts)
    assert interview["kind"] == "usability_test"
    assert interview["participant_id"] == person["id"]
    assert interview["title"] == "Month end with the finance team"
    assert interview["problem_ids"] == [problem["id"]]
    assert interview["conducted_by"] == api.user_id
    assert api.ok(api.get(f"interviews/{interview['id']}"))["notes"] == interview["notes"]


def test_a_vtt_keeps_every_turn_with_its_speaker(api: Api) -> None:
    interview = api.ok(upload(api, "call.vtt", samples.vtt(LINES, voices=False).encode()), 201)
    turns = interview["notes"].split("\n\n")
    assert len(turns) == 7
    assert turns[1] == f"[00:00:04] {ZOE}: {LINES[1][1]} {LINES[2][1]}"


def test_a_transcript_over_300000_characters_is_kept_whole(api: Api) -> None:
    data = samples.long_vtt(300_000).encode()
    interview = api.ok(upload(api, "long.vtt", data), 201)
    assert len(interview["notes"]) > 300_000
    assert api.ok(api.get(f"interviews/{interview['id']}"))["notes"] == interview["notes"]


@pytest.mark.parametrize(
    ("filename", "data", "status", "said"),
    [
        ("call.pdf", b"%PDF-1.7", 415, ".txt, .md, .vtt, .srt, .docx or .html"),
        ("call.txt", b"\x89PNG\r\n\x1a\n" + bytes(300), 415, "a PNG image"),
        ("call.txt", bytes(range(256)) * 20, 415, "does not look like text"),
        ("call.docx", b"typed, then renamed", 415, "not a Word document"),
        ("call.vtt", b"no header\n00:00:01.000 --> 00:00:02.000\nhi\n", 422, "WEBVTT"),
        ("call.srt", b"1\n00:00:01,000 -> 2\nhi\n", 422, "line 1"),
        ("call.txt", b"  \n ", 422, "no text"),
    ],
    ids=["pdf", "png as txt", "binary as txt", "txt as docx", "vtt", "srt", "empty"],
)
def test_a_refused_file_says_why_and_writes_nothing(
    api: Api, filename: str, data: bytes, status: int, said: str
) -> None:
    error = assert_error(upload(api, filename, data), status)
    assert said in error["message"]
    assert interviews_total(api) == 0


def test_a_file_over_the_limit_is_413_saying_the_limit(api: Api, settings: Any) -> None:
    limit = settings.max_transcript_bytes
    data = b"Ana: " + b"a" * (limit - 4)
    error = assert_error(upload(api, "call.txt", data), 413, "too_large")
    assert f"at most {limit / 1_000_000:.1f} MB" in error["message"]
    # A file at the limit is read (and then refused for holding more than the notes hold).
    error = assert_error(upload(api, "call.txt", data[:limit]), 413, "too_large")
    assert "1,000,000" in error["message"]
    assert interviews_total(api) == 0


def test_a_zip_bomb_docx_is_413(api: Api) -> None:
    error = assert_error(upload(api, "call.docx", samples.zip_bomb()), 413, "too_large")
    assert "unpacks to more than" in error["message"]


def test_the_fields_are_checked_like_the_json_route(api: Api) -> None:
    data = samples.vtt(LINES).encode()
    error = assert_error(upload(api, "call.vtt", data, occurred_on="2999-01-01"), 422)
    assert fields_of(error) == ["occurred_on"]
    error = assert_error(upload(api, "call.vtt", data, problem_ids=["999999"]), 422)
    assert fields_of(error) == ["problem_ids"]
    missing = api.client.post(
        api.url("interviews/transcript"), headers=api.headers, data={"occurred_on": "2026-10-01"}
    )
    assert fields_of(assert_error(missing, 422)) == ["body.file"]
    assert interviews_total(api) == 0


def test_a_viewer_cannot_upload(api: Api) -> None:
    viewer = api.as_member("vic@example.com", "viewer")
    assert_error(upload(viewer, "call.vtt", samples.vtt(LINES).encode()), 403)


def test_replacing_the_notes_from_a_file_needs_the_current_version(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(notes="Typed during the call.", problem_ids=[problem["id"]])
    data = samples.vtt(LINES).encode()
    updated = api.ok(replace(api, interview["id"], "call.vtt", data, version=1))
    assert updated["notes"].startswith(FIRST_TURN)
    assert updated["version"] == 2
    assert updated["problem_ids"] == [problem["id"]]

    stale = assert_error(replace(api, interview["id"], "call.txt", b"Ana: later", 1), 409)
    assert stale["details"]["current"]["notes"] == updated["notes"]
    assert api.ok(api.get(f"interviews/{interview['id']}"))["notes"] == updated["notes"]


def test_replacing_with_a_refused_file_keeps_the_notes(api: Api) -> None:
    interview = api.interview(notes="Typed during the call.")
    assert_error(replace(api, interview["id"], "call.exe", b"MZ", version=1), 415)
    assert_error(replace(api, 999_999, "call.txt", b"Ana: hi", version=1), 404)
    current = api.ok(api.get(f"interviews/{interview['id']}"))
    assert (current["notes"], current["version"]) == ("Typed during the call.", 1)
