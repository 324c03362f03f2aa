"""Tests of what only PostgreSQL does: ``database_url`` is the session's schema, emptied for each test."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url
