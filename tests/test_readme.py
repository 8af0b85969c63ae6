"""The README's quick start runs as written: its CLI steps, then its curl walk-through, in order.

The curl commands are parsed (method, URL, headers, body) and sent through the test client
against a fresh database, so a README that drifts from the API fails here.
"""

import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

README = Path(__file__).resolve().parent.parent / "README.md"
ORIGIN = "http://127.0.0.1:8000"
PASSWORD = "correct horse battery staple"


def section(title: str) -> str:
    text = README.read_text()
    # Headings from ## down; a single # starts a comment in the shell blocks.
    match = re.search(rf"^##+ {re.escape(title)}\n(.*?)(?=^##+ |\Z)", text, re.S | re.M)
    assert match, f"README has no section '{title}'"
    return match.group(1)


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@dataclass
class Command:
    line: str
    heredoc: str | None = None


def shell_commands(block: str) -> Iterator[Command]:
    """Join continuation lines and attach here-documents; skip comments and blank lines."""
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1].rstrip() + " " + lines[i].strip()
            i += 1
        command = Command(line)
        if marker := re.search(r"<<'?(\w+)'?", line):
            end = lines.index(marker.group(1), i)
            command.heredoc = "\n".join(lines[i:end])
            i = end + 1
            if line.count("$(") > line.count(")"):
                assert lines[i].strip() == ")", f"unclosed $( after the here-document of: {line}"
                i += 1
        yield command


@dataclass
class Walkthrough:
    client: TestClient
    variables: dict[str, str] = field(default_factory=dict)
    responses: list[Any] = field(default_factory=list)

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            assert name in self.variables, f"the README uses ${name} before setting it"
            return self.variables[name]

        return re.sub(r"\$\{(\w+)\}|\$([A-Za-z_]\w*)", value, text)

    def run(self, command: Command) -> None:
        line = command.line
        if line.startswith(("field()", "read ")):
            return  # shell helpers; the test knows the password
        if capture := re.fullmatch(r"(\w+)=\$\((.*?)\)?", line):
            name, line = capture.groups()
            self.variables[name] = str(self.execute(line, command.heredoc))
        elif assignment := re.fullmatch(r"(\w+)=(\S+)", line):
            self.variables[assignment.group(1)] = self.expand(assignment.group(2))
        else:
            assert line.startswith("curl "), f"unexpected README command: {line}"
            self.execute(line, command.heredoc)

    def execute(self, line: str, heredoc: str | None) -> Any:
        lexer = shlex.shlex(self.expand(line), posix=True, punctuation_chars="|<")
        lexer.whitespace_split = True
        tokens = list(lexer)
        pipeline = split_pipeline(tokens)
        curl = pipeline[0]
        body = self.expand(heredoc) if heredoc is not None else None
        response = self.send(curl, body, line)
        for stage in pipeline[1:]:
            if stage[0] == "field":
                return response.json()[stage[1]]
            assert stage[:3] == ["python3", "-m", "json.tool"], f"unknown pipe {stage}"
        return response

    def send(self, curl: list[str], stdin: str | None, line: str) -> Any:
        assert curl[0] == "curl", line
        method, url, headers, data = None, None, {}, []
        args = iter(curl[1:])
        for arg in args:
            if arg == "-s":
                continue
            if arg == "-X":
                method = next(args)
            elif arg == "-H":
                key, value = next(args).split(":", 1)
                headers[key.strip()] = value.strip()
            elif arg in ("-d", "--data"):
                value = next(args)
                data.append(stdin if value == "@-" else value)
            elif arg == "--data-urlencode":
                key, value = next(args).split("=", 1)
                data.append(f"{key}={quote(value, safe='')}")
            elif arg.startswith(ORIGIN):
                url = arg.removeprefix(ORIGIN)
            elif arg == "<<":
                next(args)  # the here-document's marker: its body is stdin
            else:
                raise AssertionError(f"unknown curl argument {arg!r} in: {line}")
        assert url, f"no URL in: {line}"
        if data:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        response = self.client.request(
            method or ("POST" if data else "GET"),
            url,
            headers=headers,
            content="&".join(item or "" for item in data) if data else None,
        )
        assert response.status_code < 300, f"{line}\n-> {response.status_code} {response.text}"
        self.responses.append(response.json())
        return response


def split_pipeline(tokens: list[str]) -> list[list[str]]:
    stages: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            stages.append([])
        else:
            stages[-1].append(token)
    return stages


def test_quick_start_and_api_walkthrough(cli: Callable[..., Any], client: TestClient) -> None:
    quick_start = section("Quick start")
    cli_lines = [line for block in code_blocks(quick_start, "bash") for line in block.splitlines()]
    evident_steps = [shlex.split(line) for line in cli_lines if line.startswith("evident ")]
    assert [step[1] for step in evident_steps] == [
        "create-user",
        "create-workspace",
        "create-token",
    ]
    for step in evident_steps:
        prompt = None if "--password" in step else f"{PASSWORD}\n{PASSWORD}\n"
        result = cli(*step[1:], input=prompt)
        assert result.exit_code == 0, f"{' '.join(step)}\n{result.output}"
    personal_token = result.stdout.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {personal_token}"})
    assert [ws["slug"] for ws in me.json()["workspaces"]] == ["acme"]

    walkthrough_section = section("The API in a few requests")
    api_block = code_blocks(walkthrough_section, "bash")[0]
    excerpt = code_blocks(walkthrough_section, "text")[0]
    walkthrough = Walkthrough(client, variables={"PASSWORD": PASSWORD})
    for command in shell_commands(api_block):
        walkthrough.run(command)

    interview, scorecard = walkthrough.responses[-2:]
    assert [e["signal"] for e in interview["evidence"]] == ["paid", "stated"]
    assert {"pain", "reach", "feasibility", "confidence", "recommendation"} <= scorecard.keys()
    # The trimmed scorecard printed in the README is the one the walk-through produces.
    shown = {
        key: re.search(rf'"{key}": \{{"(?:value|level)": "?([\w.]+)', excerpt)
        for key in ("pain", "reach", "feasibility", "confidence", "recommendation")
    }
    for key, match in shown.items():
        assert match, f"the README's scorecard excerpt lacks {key}"
        actual = scorecard[key].get("value", scorecard[key].get("level"))
        assert str(actual) == match.group(1), f"README shows {key} {match.group(1)}, API {actual}"
    assert json.dumps(scorecard)  # a plain JSON document, as json.tool prints it
