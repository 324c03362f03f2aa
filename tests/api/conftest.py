"""The HTTP suite runs on every backend: ``database_url`` is ``backend_url``, so each test runs once per backend."""

from __future__ import annotations

import pytest

from tests.helpers import Guarded, LiveClient


@pytest.fixture
def database_url(backend_url: str) -> str:
    return backend_url


@pytest.fixture
def guard(live: LiveClient, database_url: str) -> Guarded:
    return Guarded(live, database_url)
