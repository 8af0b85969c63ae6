"""`evident import transcript FILE`: an interview made from a transcript file, or a plain error."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Api
from tests.research import transcript_samples as samples
from tests.research.transcript_samples import INTERVIEWER, LUKASZ, SIOBHAN, ZOE

Cli = Callable[..., Any]


@pytest.fixture
def vtt_file(tmp_path: Path) -> Path:
    path = tmp_path / "Month end call.vtt"
    path.write_text(samples.vtt(samples.conversation(8)), encoding="utf-8")
    return path


def test_import_transcript_creates_an_interview_and_says_what(
    cli: Cli, api: Api, vtt_file: Path
) -> None:
    problem = api.problem(title="Month end takes a week")
    other = api.problem()
    person = api.participant(name=SIOBHAN)
    result = cli(
        "import", "transcript", str(vtt_file), "--workspace", "acme",
        "--participant", SIOBHAN.upper(), "--date", "2026-10-02", "--kind", "usability_test",
        "--problem", "month end takes a week", "--problem", str(other["id"]),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (listed,) = api.ok(api.get("interviews"))["items"]
    interview = api.ok(api.get(f"interviews/{listed['id']}"))
    assert result.stdout.strip() == (
        f"Created interview {interview['id']} in acme with {SIOBHAN} from Month end call.vtt: "
        f"{len(interview['notes']):,} characters, 7 speaker turns, speakers: "
        f"{INTERVIEWER}, {ZOE}, {LUKASZ}, {SIOBHAN}."
    )
    assert interview["notes"].startswith(f"[00:00:00] {INTERVIEWER}: ")
    assert interview["participant_id"] == person["id"]
    assert interview["occurred_on"] == "2026-10-02"
    assert interview["kind"] == "usability_test"
    assert interview["title"] == "Month end call"
    assert sorted(interview["problem_ids"]) == sorted([problem["id"], other["id"]])


def test_a_new_participant_name_adds_them(cli: Cli, api: Api, vtt_file: Path) -> None:
    result = cli(
        "import", "transcript", str(vtt_file), "-w", "acme", "--participant", "Zoë Brandão",
        "--title", "First call",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "with Zoë Brandão (new participant)" in result.stdout
    (person,) = api.ok(api.get("participants"))["items"]
    (interview,) = api.ok(api.get("interviews"))["items"]
    assert (person["name"], interview["participant_id"]) == ("Zoë Brandão", person["id"])
    assert interview["title"] == "First call"


@pytest.mark.parametrize(
    ("name", "content", "options", "said"),
    [
        ("call.pdf", b"%PDF-1.7", [], ".txt, .md, .vtt, .srt, .docx or .html"),
        ("call.txt", b"\x89PNG\r\n\x1a\n" + bytes(100), [], "is a PNG image"),
        ("[call].vtt", b"no header", [], "[call].vtt is not a WebVTT file"),
        ("call.txt", b"Ana: hi", ["--problem", "Nothing like it"], "No problem is called"),
        ("call.txt", b"Ana: hi", ["--participant", "4242"], "No participant 4242"),
        ("call.txt", b"Ana: hi", ["--date", "2999-01-01"], "in the future"),
        ("call.txt", b"Ana: hi", ["--date", "yesterday"], "occurred_on"),
    ],
)
def test_a_refused_import_is_a_plain_error_and_writes_nothing(
    cli: Cli, api: Api, tmp_path: Path, name: str, content: bytes, options: list[str], said: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("import", "transcript", str(path), "--workspace", "acme", *options)
    assert result.exit_code == 1
    assert said in result.output
    assert "Traceback" not in result.output
    assert api.ok(api.get("interviews"))["total"] == 0
    assert api.ok(api.get("participants"))["total"] == 0
