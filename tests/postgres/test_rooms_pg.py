"""tests/api/test_rooms.py on PostgreSQL: create, read, update, destroy, change owner, stats."""

from __future__ import annotations

from tests.api import test_rooms
from tests.pg import portable_tests

globals().update(portable_tests(test_rooms))
