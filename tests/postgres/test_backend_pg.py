"""The suites in this folder do run on PostgreSQL."""

from __future__ import annotations

from liveroom.api.app import LiveroomApp
from liveroom.store.postgres import PostgresStore
from tests.helpers import SDKAPPID, LiveClient


async def test_the_server_here_keeps_its_rooms_in_postgresql(server: LiveroomApp, live: LiveClient) -> None:
    assert isinstance(server.store, PostgresStore)
    await live.create_room("pg-room")
    async with server.store.read() as tx:
        room = await tx.get_room(SDKAPPID, "pg-room")
    assert room is not None
