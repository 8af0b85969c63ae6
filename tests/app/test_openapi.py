"""The OpenAPI document and the interactive docs: what a client needs to drive the API."""

import re
from enum import StrEnum
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.enums import (
    AssumptionCategory,
    CriterionOperator,
    DecisionKind,
    Frequency,
    InterviewKind,
    ProblemStatus,
    Role,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.web import STATIC_DIR


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def schema_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


@pytest.mark.parametrize(
    "enum",
    [
        Role,
        InterviewKind,
        Stance,
        Signal,
        Frequency,
        ProblemStatus,
        AssumptionCategory,
        TestMethod,
        TestStatus,
        CriterionOperator,
        TestOutcome,
        DecisionKind,
    ],
)
def test_every_enum_is_listed_with_its_values(
    document: dict[str, Any], enum: type[StrEnum]
) -> None:
    schema = schema_of(document, enum.__name__)
    assert schema["type"] == "string"
    assert schema["enum"] == [member.value for member in enum]


def test_fields_refer_to_their_enum(document: dict[str, Any]) -> None:
    evidence = schema_of(document, "EvidenceCreate")["properties"]
    assert evidence["signal"] == {"$ref": "#/components/schemas/Signal"}
    assert "evidence" in document["paths"]["/api/v1/workspaces/{ws}/evidence"]["get"]["tags"]
    filters = {
        p["name"]: p
        for p in document["paths"]["/api/v1/workspaces/{ws}/evidence"]["get"]["parameters"]
    }
    assert "Signal" in str(filters["signal"]["schema"])


def test_limits_are_documented(document: dict[str, Any]) -> None:
    interview = schema_of(document, "InterviewCreate")["properties"]
    assert interview["notes"]["maxLength"] == 1_000_000
    evidence = schema_of(document, "EvidenceCreate")["properties"]
    assert evidence["quote"]["maxLength"] == 2_000
    severity = str(evidence["severity"])
    assert "'maximum': 5" in severity and "'minimum': 1" in severity
    workspace = schema_of(document, "WorkspaceCreate")["properties"]
    assert workspace["slug"]["pattern"].startswith("^[a-z0-9]")


def test_the_sign_in_flow_is_declared_for_the_docs_authorize_button(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    (scheme,) = schemes.values()
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"


def test_docs_answer(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/openapi.json" in docs.text


def test_docs_load_every_asset_from_this_server(client: TestClient) -> None:
    """/docs works offline: Swagger UI comes from static/vendor/, not from a CDN."""
    page = BeautifulSoup(client.get("/docs").text, "html.parser")
    assets = [tag["src"] for tag in page.find_all("script", src=True)]
    assets += [tag["href"] for tag in page.find_all("link", href=True)]
    assert len(assets) == 3
    for url in assets:
        assert str(url).startswith("/static/vendor/swagger-ui/"), url
        assert client.get(str(url)).status_code == 200, url
    assert "://" not in client.get("/docs").text


def test_swagger_ui_is_vendored_with_its_licence_and_version() -> None:
    folder = STATIC_DIR / "vendor" / "swagger-ui"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert (folder / "NOTICE").is_file()
    bundle = (folder / "swagger-ui-bundle.js").read_text()
    version = re.search(r'PACKAGE_VERSION:"([0-9.]+)"', bundle)
    assert version is not None
    notes = (STATIC_DIR / "vendor" / "README.md").read_text()
    assert f"`swagger-ui-dist` {version.group(1)}" in notes


def test_redoc_is_not_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    """In the one error shape, so a generated client knows what a 404 or a 422 holds."""
    error = {"$ref": "#/components/schemas/ErrorBody"}
    assert set(schema_of(document, "ErrorBody")["required"]) == {"error"}
    assert set(schema_of(document, "ErrorInfo")["required"]) == {"code", "message"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("400", "401", "403", "404", "409", "413", "422"):
                content = responses.get(status, {}).get("content", {})
                assert content.get("application/json", {}).get("schema") == error, (
                    method,
                    path,
                    status,
                )
    assert "HTTPValidationError" not in document["components"]["schemas"]
