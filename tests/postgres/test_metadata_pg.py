"""tests/api/test_metadata.py on PostgreSQL: room metadata and its limits."""

from __future__ import annotations

from tests.api import test_metadata
from tests.api.test_metadata import _room
from tests.pg import portable_tests

__all__ = ["_room"]  # the module's autouse fixture: every metadata test starts with its room

globals().update(portable_tests(test_metadata))
