"""The interview form takes a transcript file instead of typed notes; a refused file shows the
form again with the reason beside the field and everything typed kept."""

from typing import Any

from tests.factories import Api
from tests.pages import Web, soup
from tests.research import transcript_samples as samples
from tests.research.transcript_samples import INTERVIEWER, ZOE

LINES = samples.conversation(8)


def logged(api: Api) -> list[dict[str, Any]]:
    """Every interview with its notes (a list leaves the notes out)."""
    listed = api.ok(api.get("interviews"))["items"]
    return [api.ok(api.get(f"interviews/{i['id']}")) for i in listed]


def form(problem_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "interview",
        "occurred_on": "2026-10-01",
        "title": "Month end with Zoë",
        "problem_ids": [str(problem_id)],
        "notes": "",
        "h_quote": ["We paid a contractor to reconcile it."],
        "h_problem": [str(problem_id)],
        "h_signal": ["paid"],
        "h_severity": ["4"],
        "h_frequency": ["monthly"],
    } | overrides


def test_the_form_offers_a_transcript_file(api: Api, web: Web) -> None:
    page = soup(web.get("interviews/new"))
    field = page.find(id="transcript")
    assert field["type"] == "file" and field["name"] == "transcript"
    assert field["accept"].split(",")[:6] == [".txt", ".md", ".vtt", ".srt", ".docx", ".html"]
    assert page.find("label", attrs={"for": "transcript"}).get_text() == "Transcript file"
    assert page.find(id="interview-form")["enctype"] == "multipart/form-data"


def test_a_vtt_file_becomes_the_notes_with_the_highlights_typed(api: Api, web: Web) -> None:
    problem = api.problem()
    data = samples.vtt(LINES).encode()
    response = web.post("interviews", form(problem["id"]), files={"transcript": ("c.vtt", data)})
    assert response.status_code == 303, response.text
    (interview,) = logged(api)
    assert interview["notes"].startswith(f"[00:00:00] {INTERVIEWER}: {LINES[0][1]}")
    assert f"{ZOE}: " in interview["notes"]
    assert [e["quote"] for e in interview["evidence"]] == ["We paid a contractor to reconcile it."]


def test_typed_notes_still_work_beside_an_empty_file_field(api: Api, web: Web) -> None:
    """What a browser sends when no file is chosen: a file part without a name."""
    problem = api.problem()
    fields = form(problem["id"], notes="Typed during the call.")
    response = web.post("interviews", fields, files={"transcript": ("", b"")})
    assert response.status_code == 303, response.text
    assert [i["notes"] for i in logged(api)] == ["Typed during the call."]


def test_a_refused_file_shows_the_form_again_with_what_was_typed(api: Api, web: Web) -> None:
    problem = api.problem()
    fields = form(problem["id"])
    response = web.post("interviews", fields, files={"transcript": ("call.pdf", b"%PDF-1.7")})
    assert response.status_code == 422
    page = soup(response)
    error = page.find(id="transcript-error").get_text()
    assert error == (
        "call.pdf is not a transcript file Evident can read: upload a .txt, .md, .vtt, .srt, "
        ".docx or .html file."
    )
    assert page.find(id="transcript").get("aria-invalid") == "true"
    assert page.find(id="title")["value"] == "Month end with Zoë"
    assert page.find(id=f"covered-{problem['id']}").has_attr("checked")
    assert page.find(id="h-0-quote").get_text() == "We paid a contractor to reconcile it."
    assert logged(api) == []


def test_a_file_and_typed_notes_together_are_refused_keeping_the_notes(api: Api, web: Web) -> None:
    problem = api.problem()
    fields = form(problem["id"], notes="Typed during the call.")
    data = samples.vtt(LINES).encode()
    response = web.post("interviews", fields, files={"transcript": ("c.vtt", data)})
    assert response.status_code == 422
    page = soup(response)
    assert "not both" in page.find(id="transcript-error").get_text()
    assert page.find(id="notes").get_text() == "Typed during the call."
    assert logged(api) == []


def test_the_longest_notes_can_still_be_typed_into_the_form(api: Api, web: Web) -> None:
    """The form is multipart now: a text field holds 1,000,000 characters of any script."""
    problem = api.problem()
    notes = ("Łukasz: żółć “ok” " * 60_000)[:1_000_000]
    fields = form(problem["id"], notes=notes)
    response = web.post("interviews", fields, files={"transcript": ("", b"")})
    assert response.status_code == 303, response.text[:300]
    assert [i["notes"] for i in logged(api)] == [notes]
