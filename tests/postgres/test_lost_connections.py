"""Connections to PostgreSQL that break under liveroom (a restart, a failover, backends terminated): the broken
connection is dropped from the pool, and a request that had committed nothing runs again, once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from liveroom.domain import rooms
from liveroom.domain.context import Caller, Services
from liveroom.store import postgres
from liveroom.store.interface import RoomChanges
from tests import pg
from tests.helpers import LiveClient

ROOM = "r"


@pytest.fixture
def application_name() -> str:
    return f"liveroom-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def database_url(postgres_url: str, application_name: str) -> str:
    return pg.with_application_name(postgres_url, application_name)


@pytest.fixture
def kill_statement(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], list[str]]:
    """From now on, the ``n``-th statement run in a transaction terminates its own backend first (a connection lost
    in the middle of a request); answers the list of the statements that were killed."""

    def arm(n: int) -> list[str]:
        killed: list[str] = []
        count = [0]
        for name in ("fetchall", "fetchone", "execute", "executemany", "run_batch"):
            original: Callable[..., Awaitable[Any]] = getattr(postgres.PostgresConnection, name)

            async def kill_nth(self: postgres.PostgresConnection, *args: Any, _original: Any = original) -> Any:
                count[0] += 1
                if count[0] == n:
                    killed.append(args[0].postgres)
                    await self._db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
                return await _original(self, *args)

            monkeypatch.setattr(postgres.PostgresConnection, name, kill_nth)
        return killed

    return arm


async def test_requests_after_the_pool_s_connections_were_terminated_are_served(
    live: LiveClient, application_name: str
) -> None:
    await live.create_room(ROOM)
    # Several connections in the pool, idle between requests.
    await asyncio.gather(*(live.ok("get_room_info", {"RoomId": ROOM}) for _ in range(6)))
    assert pg.terminate_backends(application_name) >= 2
    # Without a turn of the event loop in between: the pool still holds them, as after a server restart.
    answers = await asyncio.gather(
        *(live.call("get_room_info", {"RoomId": ROOM}) for _ in range(4)),
        live.call("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "after"}}),
        live.call("get_room_list", {}),
    )
    assert [answer["ErrorCode"] for answer in answers] == [0] * 6, answers
    info = await live.ok("get_room_info", {"RoomId": ROOM})
    assert info["Response"]["RoomInfo"]["Notice"] == "after"


@pytest.mark.parametrize("nth", [1, 2])
async def test_a_request_whose_connection_is_lost_before_it_committed_runs_again_once(
    live: LiveClient, kill_statement: Callable[[int], list[str]], caplog: pytest.LogCaptureFixture, nth: int
) -> None:
    await live.create_room(ROOM)
    killed = kill_statement(nth)
    # A transaction of several statements (the room locked, then it and its rows deleted): its nth statement loses
    # the connection, and the request runs again on another.
    await live.ok("destroy_room", {"RoomId": ROOM})
    assert len(killed) == 1
    assert (await live.call("get_room_info", {"RoomId": ROOM}))["ErrorCode"] == 100004
    assert "InternalClientError" not in caplog.text and "Traceback" not in caplog.text


async def test_a_request_that_committed_before_losing_its_connection_is_not_run_again(
    live: LiveClient, monkeypatch: pytest.MonkeyPatch, application_name: str
) -> None:
    await live.create_room(ROOM)
    runs: list[int] = []

    async def two_transactions(svc: Services, caller: Caller, room_id: str, update: Any) -> None:
        runs.append(1)
        async with svc.store.write() as tx:
            await tx.update_room(caller.sdkappid, room_id, RoomChanges(notice=f"written {len(runs)}"))
        async with svc.store.write() as tx:
            pg.terminate_backends(application_name)
            await tx.update_room(caller.sdkappid, room_id, RoomChanges(room_name="never"))

    monkeypatch.setattr(rooms, "update_room", two_transactions)
    data = await live.call("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "x"}})
    assert (data["ErrorCode"], data["ErrorInfo"]) == (100001, "database: the connection was lost; retry later")
    assert runs == [1]
    monkeypatch.undo()
    info = (await live.ok("get_room_info", {"RoomId": ROOM}))["Response"]["RoomInfo"]
    assert (info["Notice"], info["RoomName"]) == ("written 1", ROOM)
