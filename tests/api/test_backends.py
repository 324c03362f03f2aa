"""The suite's own footing on each backend: the server under test keeps its state in the backend the test names,
and ``guard`` sees any change the server commits there."""

from __future__ import annotations

from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.store.postgres import PostgresStore
from liveroom.store.sqlite import SQLiteStore
from tests.helpers import LIVE, POSTGRESQL, SDKAPPID, SQLITE, Guarded, LiveClient, db_rows

STORES = {SQLITE: SQLiteStore, POSTGRESQL: PostgresStore}


async def test_the_server_keeps_its_rooms_in_the_backend_under_test(
    server: LiveroomApp, live: LiveClient, backend: str, database_url: str
) -> None:
    assert type(server.store) is STORES[backend]
    await live.create_room("kept")
    async with server.store.read() as tx:
        assert await tx.get_room(SDKAPPID, "kept") is not None
    assert [room["room_id"] for room in db_rows(database_url)["rooms"]] == ["kept"]


class WritesFirst(LiveClient):
    """A client that creates a room before each refused call: a refusal that would have changed the database."""

    async def fails(self, code: int, command: str, body: Any, *, service: str = LIVE, **query: Any) -> str:
        await self.create_room("side-effect")
        return await super().fails(code, command, body, service=service, **query)


async def test_the_guard_notices_a_change_committed_beside_a_refusal(live: LiveClient, database_url: str) -> None:
    guard = Guarded(WritesFirst(live.http), database_url)
    with pytest.raises(AssertionError, match="refused get_room_info changed the database"):
        await guard.fails(100004, "get_room_info", {"RoomId": "missing"})
