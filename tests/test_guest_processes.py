"""Guests' state is stored: seen through real ``liveroom serve`` processes and the SDK's ``RealtimeClient``.

Seat invitations and applications are stored deadlines: a pending invitation survives kill -9 and a restart and is
still answered; one whose time comes while no node runs is timed out by the next, once. With two nodes on one
PostgreSQL and one Redis each request times out once (one node or the other), and an answer and a cancellation
sent at once through different nodes end an invitation one way only. A guest's microphone closed by the owner is
still closed after kill -9 and a restart, in the seat list over REST and in the realtime seat lists.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import cast

import pytest

from liveroom.client import NotFoundError, RealtimeClient, RoomEvent
from liveroom.client.realtime import (
    MicrophoneChanged,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
)
from tests.helpers import POSTGRESQL, SDKAPPID, LiveClient, tencent_sig
from tests.test_server_process import (
    Server,
    StartServer,
    app_db,
    connect,
    database_url,
    redis_prefix,
    redis_url,
    start_server,
)

__all__ = ["app_db", "connect", "database_url", "redis_prefix", "redis_url", "start_server"]  # fixtures

pytestmark = pytest.mark.slow

MIC = "room_engine_http_mic"
ROOM = "stage"
ENV = {"LIVEROOM_SEAT_REQUEST_POLL_SECONDS": "0.2"}
# Guards against a hung test, never timing assertions.
WAIT = 30.0
# Long enough for a killed node to be started again and its members to come back on a loaded machine.
SURVIVING_SECONDS = 30
Result = SeatInvitationResult | SeatApplicationResult


def member(server: Server, user: str) -> RealtimeClient:
    return RealtimeClient(server.base_url, sdkappid=SDKAPPID, identifier=user, usersig=tencent_sig(user))


@asynccontextmanager
async def in_room(*placed: tuple[Server, str]) -> AsyncIterator[list[RealtimeClient]]:
    """Each user connected to their node and in the room."""
    async with AsyncExitStack() as stack:
        clients = []
        for server, user in placed:
            rt = await stack.enter_async_context(member(server, user))
            await rt.enter(ROOM)
            clients.append(rt)
        yield clients


async def next_event(rt: RealtimeClient, within: float) -> RoomEvent | None:
    """The connection's next event, None when none comes within ``within`` seconds."""
    events = cast(AsyncGenerator[RoomEvent, None], rt.events())
    try:
        return await asyncio.wait_for(anext(events), within)
    except TimeoutError:
        return None
    finally:
        await events.aclose()


async def until(rt: RealtimeClient, kind: type[RoomEvent]) -> RoomEvent:
    """The next event of ``kind`` (within WAIT), the others before it skipped."""
    deadline = time.monotonic() + WAIT
    while True:
        event = await next_event(rt, max(0.1, deadline - time.monotonic()))
        assert event is not None, f"no {kind.__name__} for {rt.identifier} within {WAIT:g} s"
        if isinstance(event, kind):
            return event


async def results(rt: RealtimeClient, count: int, quiet: float = 2.0) -> list[Result]:
    """The invitation and application results ``rt`` is told of: ``count`` of them (within WAIT), and any that
    come within ``quiet`` seconds after them (none should)."""
    found: list[Result] = []
    deadline = time.monotonic() + WAIT
    while len(found) < count:
        event = await next_event(rt, max(0.1, deadline - time.monotonic()))
        assert event is not None, f"{rt.identifier} was told of {len(found)} results, not {count}: {found}"
        if isinstance(event, Result):
            found.append(event)
    while (event := await next_event(rt, quiet)) is not None:
        if isinstance(event, Result):
            found.append(event)
    return found


async def occupants(live: LiveClient) -> list[str]:
    data = await live.ok("get_seat_list", {"RoomId": ROOM}, service=MIC)
    return [seat["Member_Account"] for seat in data["Response"]["SeatList"]]


async def seat_room(live: LiveClient, *users: str, **fields: object) -> None:
    await live.import_accounts("host", *users)
    await live.create_room(ROOM, Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=3, **fields)


def timed_out_by(server: Server) -> int:
    return sum(int(n) for n in re.findall(r"seat requests: ended (\d+)", server.stderr))


async def test_an_invitation_survives_kill_9_and_a_restart_and_times_out_once(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    first = start_server(app_db, env=ENV)
    await seat_room(connect(first), "alice", "bob")
    async with in_room((first, "host"), (first, "alice"), (first, "bob")) as (host, alice, bob):
        await host.invite_to_seat(ROOM, "alice", 1, seconds=600)
        await host.invite_to_seat(ROOM, "bob", 2, seconds=SURVIVING_SECONDS)
        invited = time.time()
        for rt in (alice, bob):
            await until(rt, SeatInvitation)
        first.kill()

    restarted = start_server(app_db, env=ENV)
    live = connect(restarted)
    async with in_room((restarted, "host"), (restarted, "alice"), (restarted, "bob")) as (host, alice, bob):
        # Still pending, and answered through the node that did not see it made.
        assert await alice.answer_invitation(ROOM, True) == "accepted"
        assert await occupants(live) == ["", "alice", ""]
        # Bob's times out, at its stored deadline, once: told to the host and to bob.
        told = await results(host, 2)
        assert [(r.member_account, r.result, r.operator_account) for r in told] == [
            ("alice", "accepted", "alice"),
            ("bob", "timeout", ""),
        ]
        assert time.time() - invited > SURVIVING_SECONDS - 1.5  # the whole seconds of the timeout at least
        assert [(r.member_account, r.result) for r in await results(bob, 1)] == [("bob", "timeout")]
        with pytest.raises(NotFoundError) as late:
            await bob.answer_invitation(ROOM, True)
        assert late.value.reason == "no_invitation"
        restarted.kill()

    # Nothing is left to time out: a node started again tells nobody of anything.
    again = start_server(app_db, env=ENV)
    async with in_room((again, "host")) as (host,):
        assert await next_event(host, 2.0) is None
    assert timed_out_by(restarted) + timed_out_by(again) == 1


async def test_two_nodes_time_out_each_request_once(
    backend: str,
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    redis_url: str,
    redis_prefix: str,
) -> None:
    if backend != POSTGRESQL:
        pytest.skip("many nodes share PostgreSQL")
    redis = ("--redis", redis_url, "--redis-prefix", redis_prefix)
    env = ENV | {"LIVEROOM_SEAT_APPLICATION_TIMEOUT_SECONDS": "2"}
    nodes = [start_server(app_db, *redis, env=env), start_server(app_db, *redis, env=env)]
    invitees = [f"i{n}" for n in range(6)]
    applicants = [f"a{n}" for n in range(4)]
    live = connect(nodes[0])
    await seat_room(live, "admin", *invitees, *applicants, TakeSeatMode=2)
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["admin"], "OpType": "add"})
    everyone = ["host", "admin", *invitees, *applicants]
    async with in_room(*((nodes[i % 2], user) for i, user in enumerate(everyone))) as clients:
        host, admin = clients[0], clients[1]
        by_user = dict(zip(everyone, clients, strict=True))
        # Made through both nodes, all due within the same second.
        await asyncio.gather(
            *(
                (host if n % 2 else admin).invite_to_seat(ROOM, user, n % 3, seconds=2)
                for n, user in enumerate(invitees)
            ),
            *(by_user[user].take_seat(ROOM, n % 3) for n, user in enumerate(applicants)),
        )
        for watcher in (host, admin):
            told = await results(watcher, len(invitees) + len(applicants))
            assert Counter((r.member_account, r.result, r.operator_account) for r in told) == Counter(
                (user, "timeout", "") for user in invitees + applicants
            )
        for user in invitees + applicants:
            assert [(r.member_account, r.result) for r in await results(by_user[user], 1, quiet=0.5)] == [
                (user, "timeout")
            ]
    by_node = [timed_out_by(node) for node in nodes]
    assert sum(by_node) == len(invitees) + len(applicants), by_node
    print(f"requests timed out by each node: {by_node}")


async def test_an_answer_and_a_cancellation_through_two_nodes_end_an_invitation_one_way(
    backend: str,
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    redis_url: str,
    redis_prefix: str,
) -> None:
    if backend != POSTGRESQL:
        pytest.skip("many nodes share PostgreSQL")
    redis = ("--redis", redis_url, "--redis-prefix", redis_prefix)
    a, b = start_server(app_db, *redis, env=ENV), start_server(app_db, *redis, env=ENV)
    live = connect(b)
    await seat_room(live, "admin", "alice")
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["admin"], "OpType": "add"})
    wins: Counter[str] = Counter()
    async with in_room((a, "host"), (b, "alice"), (b, "admin")) as (host, alice, admin):

        async def accept() -> str:
            await asyncio.sleep(delay)  # the cancellation has a few more steps: a head start for it, at times
            return await alice.answer_invitation(ROOM, True)

        async def cancel() -> str:
            await host.cancel_invitation(ROOM, "alice")
            return "cancelled"

        for round_ in range(10):
            delay = (0.0, 0.005, 0.01, 0.02, 0.04)[round_ % 5]
            await host.invite_to_seat(ROOM, "alice", 0)
            first, second = (accept, cancel) if round_ % 2 else (cancel, accept)
            answers = await asyncio.gather(first(), second(), return_exceptions=True)
            won = [answer for answer in answers if isinstance(answer, str)]
            lost = [answer for answer in answers if isinstance(answer, BaseException)]
            assert len(won) == len(lost) == 1, answers
            assert isinstance(lost[0], NotFoundError) and lost[0].reason == "no_invitation", lost
            assert won[0] in {"accepted", "cancelled"}
            told = await results(admin, 1, quiet=0.5)  # how it ended, once
            assert [(type(r), r.result) for r in told] == [(SeatInvitationResult, won[0])]
            assert await occupants(live) == ["alice" if won[0] == "accepted" else "", "", ""]
            if won[0] == "accepted":
                await alice.leave_seat(ROOM)
            wins[won[0]] += 1
    print(f"answers that won: {dict(wins)}")


async def test_a_microphone_closed_by_the_owner_is_still_closed_after_kill_9_and_a_restart(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    first = start_server(app_db, env=ENV)
    await seat_room(connect(first), "alice")
    async with in_room((first, "host"), (first, "alice")) as (host, alice):
        assert await alice.take_seat(ROOM, 1) == "taken"
        await host.close_microphone(ROOM, "alice")
        closed = await until(alice, MicrophoneChanged)
        assert isinstance(closed, MicrophoneChanged) and (closed.index, closed.is_open) == (1, False)
        first.kill()

    restarted = start_server(app_db, env=ENV)
    live = connect(restarted)
    async with in_room((restarted, "host"), (restarted, "alice")) as (host, alice):
        listed = (await live.ok("get_seat_list", {"RoomId": ROOM}, service=MIC))["Response"]["SeatList"]
        assert [(s["Member_Account"], s["IsMicrophoneClosed"]) for s in listed] == [
            ("", False),
            ("alice", True),
            ("", False),
        ]
        # The next seat change tells the room the seats as they are: alice's microphone still closed.
        assert await host.take_seat(ROOM, 0) == "taken"
        changed = await until(alice, SeatListChanged)
        assert isinstance(changed, SeatListChanged)
        assert [(s.member_account, s.is_microphone_closed) for s in changed.seat_list] == [
            ("host", False),
            ("alice", True),
            ("", False),
        ]
        await host.open_microphone(ROOM, "alice")
        opened = await until(alice, MicrophoneChanged)
        assert isinstance(opened, MicrophoneChanged) and opened.is_open
        changed = await until(alice, SeatListChanged)
        assert isinstance(changed, SeatListChanged) and not changed.seat_list[1].is_microphone_closed
