"""The console's HTTP tests run on every backend: ``database_url`` is ``backend_url`` (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(backend_url: str) -> str:
    return backend_url
