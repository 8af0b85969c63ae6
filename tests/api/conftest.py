"""Fixtures of the API tests: one application for the whole session, a fresh database per test.

Building the application (routes, dependency graphs) costs more than most tests, and nothing in
it depends on the test, so it is built once; each test points it at its own fresh database.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data_dir: Path = tmp_path_factory.mktemp("api-data")
    settings = Settings(data_dir=data_dir, database_url="sqlite://", secret_key="test-secret")
    return create_app(settings, engine=None)


@pytest.fixture
def settings(shared_app: FastAPI) -> Settings:
    return shared_app.state.settings


@pytest.fixture
def app(shared_app: FastAPI, engine: Engine) -> Iterator[Any]:
    previous = shared_app.state.engine
    shared_app.state.engine = engine
    yield shared_app
    shared_app.state.engine = previous
