"""Shared by the tests of the han package. They import han from the build tree or an install:
    PYTHONPATH=build/python HAN_CLI=build/han /usr/bin/python3 -m pytest python/tests
HAN_CLI is the native CLI the parity tests compare with (default: build/han)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
BUNDLED_MODEL = ROOT / "models" / "imdb-sentiment.han"


@pytest.fixture(scope="session")
def cli():
    path = Path(os.environ.get("HAN_CLI", ROOT / "build" / "han"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"the han CLI is not at {path}: build it, or set HAN_CLI")
    return path
