"""Co-hosting over real WebSockets (``RealtimeClient`` against a served liveroom, on SQLite and PostgreSQL): hosts
connect their rooms, reject, cancel and let requests time out, ask the connected rooms for a battle that starts in
every room, disconnect, and lose a linked room to its dismissal; viewers of every linked room see the other rooms'
hosts join and leave."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from liveroom.client import AsyncClient, InvalidParameterError, NotFoundError, PermissionDeniedError
from liveroom.client.realtime import (
    BattleEnded,
    BattleRequestAccepted,
    BattleRequestCancelled,
    BattleRequestReceived,
    BattleRequestRejected,
    BattleRequestTimeout,
    BattleStarted,
    CoHost,
    ConnectionRequestAccepted,
    ConnectionRequestCancelled,
    ConnectionRequestReceived,
    ConnectionRequestRejected,
    ConnectionRequestTimeout,
    ConnectionUserListChanged,
    RealtimeClient,
)
from tests.client.servers import ThreadedServer
from tests.client.test_realtime_client import WAIT, Connect, TunedServer, admin, connect, next_event

__all__ = ["admin", "connect"]  # fixtures, imported to be found by pytest

ROOMS = {"red": "ann", "blue": "ben", "green": "cat", "purple": "dan"}
RED, BLUE, GREEN, PURPLE = (CoHost(room_id=room, owner_account=owner) for room, owner in ROOMS.items())


# Seconds a dropped member has to come back (the heartbeat timeout); short, for the test of an owner who drops.
RECONNECT = 5.0


@pytest.fixture
def threaded(backend_url: str) -> Iterator[ThreadedServer]:
    """The served app on the test's backend (the one of ``tests.client.servers`` is SQLite only)."""
    server = TunedServer(backend_url, realtime_heartbeat_timeout_seconds=RECONNECT, battle_poll_seconds=0.2)
    server.start()
    yield server
    server.stop()


async def hosts(admin: AsyncClient, connect: Connect) -> dict[str, RealtimeClient]:
    """Each host in their own room, alice watching red and bob watching green."""
    await admin.accounts.import_many(accounts=[*ROOMS.values(), "alice", "bob"])
    people = {}
    for room, owner in ROOMS.items():
        await admin.rooms.create(room, owner_account=owner)
        people[owner] = await connect(owner)
        await people[owner].enter(room)
    for viewer, room in (("alice", "red"), ("bob", "green")):
        people[viewer] = await connect(viewer)
        await people[viewer].enter(room)
    return people


def codes(results: list[object]) -> dict[str, int]:
    return {r.room_id: r.result_code for r in results}  # type: ignore[attr-defined]


async def connect_rooms(people: dict[str, RealtimeClient], inviter: CoHost, invitee: CoHost) -> None:
    asking = people[inviter.owner_account]
    assert codes(await asking.request_connection(inviter.room_id, [invitee.room_id])) == {invitee.room_id: 0}
    await next_event(people[invitee.owner_account], ConnectionRequestReceived)
    await people[invitee.owner_account].accept_connection(invitee.room_id, inviter.room_id)
    assert (await next_event(asking, ConnectionRequestAccepted)).invitee == invitee


async def left(client: RealtimeClient, host: CoHost, within: float = WAIT) -> ConnectionUserListChanged:
    """The next change in which ``host``'s room left (earlier changes passed over)."""

    async def find() -> ConnectionUserListChanged:
        while host not in (changed := await next_event(client, ConnectionUserListChanged)).left_list:
            pass
        return changed

    return await asyncio.wait_for(find(), within)


async def test_two_hosts_connect_battle_on_request_and_disconnect(admin: AsyncClient, connect: Connect) -> None:
    people = await hosts(admin, connect)
    ann, ben = people["ann"], people["ben"]

    results = await ann.request_connection("red", ["blue"], seconds=30, extension_info='{"pk":1}')
    assert [(r.room_id, r.result_code, r.result_message) for r in results] == [("blue", 0, "")]
    received = await next_event(ben, ConnectionRequestReceived)
    assert (received.room_id, received.inviter, received.invitee_list) == ("blue", RED, [BLUE])
    assert (received.extension_info, received.timeout) == ('{"pk":1}', 30)

    await ben.accept_connection("blue", "red")
    accepted = await next_event(ann, ConnectionRequestAccepted)
    assert (accepted.room_id, accepted.invitee) == ("red", BLUE)
    # Members of both rooms see the other room's host join; everyone sees both rooms connected.
    for who, room, joined in (("ann", "red", BLUE), ("alice", "red", BLUE), ("ben", "blue", RED)):
        changed = await next_event(people[who], ConnectionUserListChanged)
        assert (changed.room_id, changed.joined_list, changed.left_list) == (room, [joined], [])
        assert changed.connected_list == [RED, BLUE]

    # A battle asked of the connected room starts in both rooms once it is accepted.
    offer = await ann.request_battle("red", 30000, room_ids=["blue"], seconds=30, extension_info="round 1")
    assert (offer.start_time, offer.inviter, offer.invitee_list) == (0, RED, [BLUE])
    assert [(r.room_id, r.result_code, r.user_id) for r in offer.result] == [("blue", 0, "ben")]
    waiting = await admin.battles.get_info(battle_id=offer.battle_id)  # Status 1 while its answers are awaited
    assert (waiting.status, waiting.start_time, [r.room_id for r in waiting.to_room_list]) == (1, 0, ["blue"])
    # By RoomId too, from the room that asked and from the room asked, while no battle runs there.
    for room in ("red", "blue"):
        by_room = await admin.battles.get_info(room_id=room)
        assert (by_room.battle_id, by_room.status, by_room.end_time) == (offer.battle_id, 1, 0)
    with pytest.raises(NotFoundError):
        await admin.battles.get_info(room_id="green")  # asked nothing, in no battle
    asked = await next_event(ben, BattleRequestReceived)
    assert (asked.battle_id, asked.inviter, asked.duration, asked.timeout) == (offer.battle_id, RED, 30000, 30)
    await ben.accept_battle("blue", offer.battle_id)
    assert (await next_event(ann, BattleRequestAccepted)).invitee == BLUE
    for who, room in (("ann", "red"), ("alice", "red"), ("ben", "blue")):
        started = await next_event(people[who], BattleStarted)
        assert (started.room_id, started.battle_id, started.extension_info) == (room, offer.battle_id, "round 1")
        assert started.end_time - started.start_time == 30
    assert (await admin.battles.get_info(room_id="blue")).battle_id == offer.battle_id
    with pytest.raises(NotFoundError) as twice:
        await ben.accept_battle("blue", offer.battle_id)
    assert twice.value.reason == "no_request"

    # Ben disconnects: both rooms are connected to none now, and the battle ends with one room left.
    await ben.disconnect("blue")
    for who, room, left in (("ann", "red", BLUE), ("alice", "red", BLUE), ("ben", "blue", RED)):
        changed = await next_event(people[who], ConnectionUserListChanged)
        assert (changed.room_id, changed.connected_list, changed.left_list) == (room, [], [left])
        ended = await next_event(people[who], BattleEnded)
        assert (ended.battle_id, ended.reason) == (offer.battle_id, 1)
    with pytest.raises(NotFoundError) as alone:
        await ann.disconnect("red")
    assert alone.value.reason == "not_connected"


async def test_codes_rejections_cancellations_and_timeouts(admin: AsyncClient, connect: Connect) -> None:
    people = await hosts(admin, connect)
    ann, ben, cat, dan = people["ann"], people["ben"], people["cat"], people["dan"]

    results = await ann.request_connection("red", ["blue", "green", "nowhere"], seconds=60)
    assert codes(results) == {"blue": 0, "green": 0, "nowhere": 1}
    assert (await next_event(ben, ConnectionRequestReceived)).invitee_list == [BLUE, GREEN]
    await next_event(cat, ConnectionRequestReceived)
    # Asked again while waiting, or asked back by the invited room: connecting.
    assert codes(await ann.request_connection("red", ["blue"])) == {"blue": 2}
    assert codes(await ben.request_connection("blue", ["red"])) == {"red": 2}

    await ben.reject_connection("blue", "red")
    assert (await next_event(ann, ConnectionRequestRejected)).invitee == BLUE
    await ann.cancel_connection_request("red", ["green"])
    cancelled = await next_event(cat, ConnectionRequestCancelled)
    assert (cancelled.room_id, cancelled.inviter) == ("green", RED)
    with pytest.raises(NotFoundError) as gone:
        await cat.accept_connection("green", "red")
    assert gone.value.reason == "no_request"
    with pytest.raises(NotFoundError):
        await ann.cancel_connection_request("red", ["green"])

    # Nobody answers: both sides are told once the stored deadline has passed.
    assert codes(await dan.request_connection("purple", ["blue"], seconds=1)) == {"blue": 0}
    await next_event(ben, ConnectionRequestReceived)
    for who, room in (("dan", "purple"), ("ben", "blue")):
        timed_out = await next_event(people[who], ConnectionRequestTimeout)
        assert (timed_out.room_id, timed_out.inviter, timed_out.invitee) == (room, PURPLE, BLUE)
    with pytest.raises(NotFoundError):
        await ben.accept_connection("blue", "purple")

    # Only the owner asks, for a room they are in; the rules of the fields name the field.
    with pytest.raises(PermissionDeniedError) as viewer:
        await people["alice"].request_connection("red", ["blue"])
    assert viewer.value.reason == "not_owner"
    with pytest.raises(InvalidParameterError) as own:
        await ann.request_connection("red", ["red"])
    assert "RoomIdList" in str(own.value)
    with pytest.raises(InvalidParameterError) as long_wait:
        await ann.request_connection("red", ["blue"], seconds=601)
    assert "TimeoutSeconds" in str(long_wait.value)
    with pytest.raises(NotFoundError) as outside:
        await ann.request_connection("blue", ["green"])
    assert outside.value.reason == "not_in_room"

    # A host who is not in their room cannot be asked now: retry.
    await cat.leave("green")
    assert codes(await ann.request_connection("red", ["green"])) == {"green": 5}

    # A battle is asked only of connected rooms; a request nobody answers ends, and so does its battle.
    await connect_rooms(people, RED, BLUE)
    offer = await ann.request_battle("red", 20000, user_ids=["ben", "dan"], seconds=1)
    assert [(r.room_id, r.user_id, r.result_code) for r in offer.result] == [("blue", "ben", 0), ("", "dan", 1)]
    timed_out = await next_event(ann, BattleRequestTimeout)
    assert (timed_out.battle_id, timed_out.invitee) == (offer.battle_id, BLUE)
    await next_event(ben, BattleRequestTimeout)
    ended = await next_event(ann, BattleEnded)
    assert (ended.battle_id, ended.reason, ended.to_room_list) == (offer.battle_id, 2, [])
    with pytest.raises(InvalidParameterError) as short:
        await ann.request_battle("red", 9999, room_ids=["blue"])
    assert "Duration" in str(short.value)
    with pytest.raises(InvalidParameterError) as both:
        await ann.request_battle("red", 20000, room_ids=["blue"], user_ids=["ben"])
    assert "UserIdList" in str(both.value)
    refused = await ann.request_battle("red", 20000, room_ids=["purple"])
    assert (refused.battle_id, [r.result_code for r in refused.result]) == ("", [3])

    offer = await ann.request_battle("red", 20000, room_ids=["blue"], seconds=60)
    await ben.reject_battle("blue", offer.battle_id)
    assert (await next_event(ann, BattleRequestRejected)).invitee == BLUE
    assert (await next_event(ann, BattleEnded)).reason == 2

    # The inviter takes a battle request back: the owner asked is told, and has nothing left to answer.
    offer = await ann.request_battle("red", 20000, room_ids=["blue"], seconds=60)
    await next_event(ben, BattleRequestReceived)
    with pytest.raises(NotFoundError) as not_theirs:
        await ben.cancel_battle_request("blue", offer.battle_id)
    assert not_theirs.value.reason == "no_request"
    await ann.cancel_battle_request("red", offer.battle_id)
    cancelled = await next_event(ben, BattleRequestCancelled)
    assert (cancelled.battle_id, cancelled.inviter) == (offer.battle_id, RED)
    with pytest.raises(NotFoundError):
        await ben.accept_battle("blue", offer.battle_id)
    with pytest.raises(NotFoundError):
        await admin.battles.get_info(battle_id=offer.battle_id)


async def test_three_rooms_linked_until_dismissals_leave_one(admin: AsyncClient, connect: Connect) -> None:
    people = await hosts(admin, connect)
    ann, bob = people["ann"], people["bob"]

    await connect_rooms(people, RED, BLUE)
    await connect_rooms(people, RED, GREEN)
    # Green joined red and blue: its viewer sees both hosts join; red's and blue's members see green join.
    joined = await next_event(bob, ConnectionUserListChanged)
    assert (joined.connected_list, joined.joined_list) == ([RED, BLUE, GREEN], [RED, BLUE])
    for who in ("alice", "ben"):
        changed = await next_event(people[who], ConnectionUserListChanged)
        assert changed.connected_list == [RED, BLUE]
    for who in ("ann", "alice", "ben"):  # ann's first was passed over while she waited for green's answer
        changed = await next_event(people[who], ConnectionUserListChanged)
        assert (changed.connected_list, changed.joined_list) == ([RED, BLUE, GREEN], [GREEN])
    # A room connected with others cannot be asked by a fourth.
    assert codes(await people["dan"].request_connection("purple", ["blue"])) == {"blue": 3}

    # Without NeedResponse the battle starts at once in the three rooms.
    offer = await ann.request_battle("red", 60000, user_ids=["ben", "cat"], need_response=False)
    assert offer.end_time - offer.start_time == 60
    for who in ("ann", "ben", "cat", "bob"):
        await next_event(people[who], BattleStarted)

    # Green changes hands: its linked rooms see dan as its host from now on.
    await admin.rooms.change_owner("green", "dan")
    green = CoHost(room_id="green", owner_account="dan")
    # Blue is dismissed: the others see it leave, and the battle goes on between red and green.
    await admin.rooms.destroy("blue")
    for who in ("ann", "cat", "bob"):
        changed = await next_event(people[who], ConnectionUserListChanged)
        assert (changed.connected_list, changed.left_list) == ([RED, green], [BLUE])
    assert (await admin.battles.get_info(battle_id=offer.battle_id)).status == 2

    # Green is dismissed too: red is connected to none, and its battle ends with one room left.
    await admin.rooms.destroy("green")
    changed = await next_event(ann, ConnectionUserListChanged)
    assert (changed.connected_list, changed.left_list) == ([], [green])
    ended = await next_event(ann, BattleEnded)
    assert (ended.battle_id, ended.reason) == (offer.battle_id, 1)
    with pytest.raises(NotFoundError):
        await ann.disconnect("red")
    # Red is free to connect again.
    assert codes(await ann.request_connection("red", ["purple"])) == {"purple": 0}


async def test_an_owner_who_leaves_drops_for_good_or_is_banned_takes_the_room_out(
    admin: AsyncClient, connect: Connect
) -> None:
    people = await hosts(admin, connect)
    ann, ben, cat, alice = people["ann"], people["ben"], people["cat"], people["alice"]
    await connect_rooms(people, RED, BLUE)
    await connect_rooms(people, RED, GREEN)

    # Ben drops and comes back within the reconnect window: blue stays connected.
    await ben.close()
    ben = people["ben"] = await connect("ben")
    await ben.enter("blue")
    # Cat leaves green: green leaves the group at once (red and blue stay connected).
    await cat.leave("green")
    changed = await left(alice, GREEN)
    assert (changed.connected_list, changed.left_list) == ([RED, BLUE], [GREEN])

    # Ann bans ben from red: a room is not connected to a room that banned its host.
    await ann.ban_member("red", ["ben"], 60)
    changed = await left(ben, RED)
    assert (changed.room_id, changed.connected_list, changed.left_list) == ("blue", [], [RED])
    assert (await left(alice, BLUE)).connected_list == []

    # Ben and dan connect; dan drops and does not come back: purple leaves once the window has passed.
    await connect_rooms(people, BLUE, PURPLE)
    await people["dan"].close()
    dropped = time.monotonic()
    changed = await left(ben, PURPLE, within=RECONNECT + WAIT)
    assert time.monotonic() - dropped >= RECONNECT - 1, "left before the reconnect window had passed"
    assert changed.connected_list == []


async def test_at_most_nine_rooms_are_connected_together(admin: AsyncClient, connect: Connect) -> None:
    owners = [f"h{i}" for i in range(10)]
    await admin.accounts.import_many(accounts=owners)
    people = []
    for i, owner in enumerate(owners):
        await admin.rooms.create(f"r{i}", owner_account=owner)
        people.append(await connect(owner))
        await people[i].enter(f"r{i}")
    first = people[0]
    with pytest.raises(InvalidParameterError) as nine:
        await first.request_connection("r0", [f"r{i}" for i in range(1, 10)])
    assert "RoomIdList" in str(nine.value)

    asked = await first.request_connection("r0", [f"r{i}" for i in range(1, 9)])
    assert codes(asked) == {f"r{i}": 0 for i in range(1, 9)}
    # Eight requests waiting count: a ninth room would make ten.
    assert codes(await first.request_connection("r0", ["r9"])) == {"r9": 4}
    for i in range(1, 9):
        await next_event(people[i], ConnectionRequestReceived)
        await people[i].accept_connection(f"r{i}", "r0")
    changed = await next_event(people[8], ConnectionUserListChanged)
    while len(changed.connected_list) < 9:
        changed = await next_event(people[8], ConnectionUserListChanged)
    assert [c.room_id for c in changed.connected_list] == [f"r{i}" for i in range(9)]
    assert codes(await first.request_connection("r0", ["r9"])) == {"r9": 4}
    assert codes(await people[9].request_connection("r9", ["r4"])) == {"r4": 3}
