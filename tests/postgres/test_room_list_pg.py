"""tests/api/test_room_list.py on PostgreSQL: get_room_list order and keyset paging over HTTP."""

from __future__ import annotations

from tests.api import test_room_list
from tests.pg import portable_tests

globals().update(portable_tests(test_room_list))
