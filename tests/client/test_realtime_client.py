"""``RealtimeClient`` against the real server over TCP: several users, their events, seats, bans and errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from liveroom.api.app import create_app
from liveroom.client import (
    AsyncClient,
    AuthenticationError,
    ConflictError,
    ConnectionClosedError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    RealtimeClient,
    RoomEvent,
)
from liveroom.client.realtime import (
    KickedOffSeat,
    KickedOutOfRoom,
    Liked,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MetadataChanged,
    MicrophoneChanged,
    RoomDismissed,
    RoomInfoChanged,
    SeatApplication,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
    TextMessage,
    parse_event,
    realtime_url,
)
from liveroom.domain.presence import Evicted
from liveroom.settings import Settings, SettingsError
from tests.client.servers import ThreadedServer, free_port
from tests.helpers import SDKAPPID, SECRET_KEY, tencent_sig

ROOM = "party"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0
E = TypeVar("E", bound=RoomEvent)
Connect = Callable[..., Awaitable[RealtimeClient]]


class TunedServer(ThreadedServer):
    """``ThreadedServer`` with settings of the test's choosing (short realtime timeouts)."""

    # Not the parent's __init__: the server coroutine it makes would never be awaited.
    def __init__(self, database_url: str, **settings: Any) -> None:
        self.app = create_app(Settings(database_url=database_url, access_log=False, **settings))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._server.serve(),))


@pytest.fixture
async def admin(threaded: ThreadedServer) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
        for user in ("host", "alice", "bob", "carol"):
            await sdk.accounts.import_(user)
        await sdk.rooms.create(ROOM, owner_account="host")
        yield sdk


@pytest.fixture
async def connect(threaded: ThreadedServer) -> AsyncIterator[Connect]:
    """Connects users (``secret_key`` by default); every client still open at the end is closed."""
    opened: list[RealtimeClient] = []

    async def make(user: str, **options: Any) -> RealtimeClient:
        if "usersig" not in options:
            options.setdefault("secret_key", SECRET_KEY)
        client = RealtimeClient(threaded.base_url, sdkappid=SDKAPPID, identifier=user, **options)
        await client.connect()
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.close()


async def next_event(client: RealtimeClient, kind: type[E]) -> E:
    """Skip events up to the next one of ``kind``."""

    async def find() -> E:
        async for event in client.events():
            if isinstance(event, kind):
                return event
        raise AssertionError(f"the events ended before a {kind.__name__}")

    return await asyncio.wait_for(find(), WAIT)


async def take(client: RealtimeClient, count: int) -> list[RoomEvent]:
    """The next ``count`` events, whatever they are."""

    async def collect() -> list[RoomEvent]:
        got: list[RoomEvent] = []
        async for event in client.events():
            got.append(event)
            if len(got) == count:
                break
        return got

    return await asyncio.wait_for(collect(), WAIT)


# members and messages -----------------------------------------------------------------------------------------


async def test_several_users_see_each_other_and_messages_in_order(admin: AsyncClient, connect: Connect) -> None:
    alice = await connect("alice")
    assert alice.heartbeat_seconds > 0
    entered = await alice.enter(ROOM)
    assert entered.room_info.owner_account == "host"
    assert (entered.room_info.member_count, entered.room_info.view_count) == (1, 1)
    assert [m.member_account for m in (await alice.get_member_list(ROOM)).member_list] == ["alice"]
    assert alice.rooms == {ROOM}

    bob = await connect("bob", usersig=tencent_sig("bob"))  # a UserSig made elsewhere works as well
    entered = await bob.enter(ROOM)
    page = await bob.get_member_list(ROOM)
    assert (page.room_id, page.next, page.member_count) == (ROOM, "", 2)
    assert [m.member_account for m in page.member_list] == ["alice", "bob"]
    assert [member async for member in alice.iter_members(ROOM)] == ["alice", "bob"]
    seen = await next_event(alice, MemberEntered)
    assert (seen.room_id, seen.member_account, seen.member_count, seen.view_count) == (ROOM, "bob", 2, 2)
    assert seen.operator_account == "bob"

    for n in range(5):
        await bob.send_text(ROOM, f"message {n}", extension_info=f'{{"n": {n}}}')
    await bob.like(ROOM, 3)
    # The sender's own copies came before each answer, so they are all waiting already.
    for client in (alice, bob):
        events = await take(client, 6)
        texts = [e for e in events if isinstance(e, TextMessage)]
        assert [t.text_content for t in texts] == [f"message {n}" for n in range(5)]
        assert {t.sender_account for t in texts} == {"bob"}
        assert texts[2].extension_info == '{"n": 2}'
        assert texts[2]["TextContent"] == "message 2"
        assert isinstance(events[5], Liked)
        assert (events[5].sender_account, events[5].count, events[5].total_likes_received) == ("bob", 3, 3)

    await bob.leave(ROOM)
    assert bob.rooms == set()
    left = await next_event(alice, MemberLeft)
    assert (left.member_account, left.member_count, left.reason) == ("bob", 1, "left")

    stats = await admin.call("live_engine_http_srv", "get_room_stats", {"RoomId": ROOM})
    assert stats["Response"]["TotalMsgCount"] == 5
    assert stats["Response"]["TotalLikesReceived"] == 3


async def test_admin_changes_reach_members_as_typed_events(admin: AsyncClient, connect: Connect) -> None:
    alice = await connect("alice")
    await alice.enter(ROOM)
    await admin.rooms.update(ROOM, room_name="Saturday")
    await admin.metadata.set(ROOM, {"theme": "dark"})
    changed = await next_event(alice, RoomInfoChanged)
    assert changed.data["RoomName"] == "Saturday"
    metadata = await next_event(alice, MetadataChanged)
    assert [(p.key, p.value) for p in metadata.metadata] == [("theme", "dark")]
    await admin.rooms.destroy(ROOM)
    dismissed = await next_event(alice, RoomDismissed)
    assert dismissed.room_id == ROOM
    assert alice.rooms == set()


async def test_a_member_left_event_about_oneself_takes_the_room_out_of_rooms(
    admin: AsyncClient, connect: Connect, threaded: ThreadedServer
) -> None:
    """With several nodes, a node cut off from the others for too long takes its connections out of the rooms the
    others removed them from and tells them with member_left naming their own user (docs/realtime.md)."""
    alice, bob = await connect("alice"), await connect("bob")
    await alice.enter(ROOM)
    await bob.enter(ROOM)
    assert (await next_event(alice, MemberEntered)).member_account == "bob"
    threaded.run(threaded.app.realtime._on_evicted(Evicted(SDKAPPID, ROOM, "bob", 1)))

    left = await next_event(bob, MemberLeft)
    assert (left.member_account, left.member_count, left.reason) == ("bob", 1, "disconnected")
    assert bob.rooms == set()
    assert alice.rooms == {ROOM}
    with pytest.raises(NotFoundError):
        await bob.send_text(ROOM, "still here?")


async def test_a_ban_removes_the_user_at_once(admin: AsyncClient, connect: Connect) -> None:
    alice, bob = await connect("alice"), await connect("bob")
    await alice.enter(ROOM)
    await bob.enter(ROOM)
    await admin.members.ban(ROOM, ["bob"], 600, reason="spam")

    banned = await next_event(bob, MemberBanned)
    assert banned.member_list_account == ["bob"]
    assert banned.reason == "spam"
    assert bob.rooms == set()
    with pytest.raises(NotFoundError) as refused:
        await bob.send_text(ROOM, "still here?")
    assert (refused.value.code, refused.value.reason) == (100005, "not_in_room")
    with pytest.raises(PermissionDeniedError) as refused_entry:
        await bob.enter(ROOM)
    assert (refused_entry.value.code, refused_entry.value.reason) == (100006, "banned")

    assert (await next_event(alice, MemberBanned)).member_list_account == ["bob"]
    left = await next_event(alice, MemberLeft)
    assert (left.member_account, left.reason) == ("bob", "banned")
    info = (await admin.rooms.get_info(ROOM)).room_info
    assert info.member_count == 1


# seats ----------------------------------------------------------------------------------------------------------


async def test_seats_free_and_by_application(admin: AsyncClient, connect: Connect) -> None:
    await admin.rooms.create("stage", owner_account="host", seat_template="AudioSalon", max_seat_count=4)
    host, alice = await connect("host"), await connect("alice")
    await host.enter("stage")
    await alice.enter("stage")

    assert await alice.take_seat("stage", 2) == "taken"
    seats = await next_event(host, SeatListChanged)
    assert [s.member_account for s in seats.seat_list] == ["", "", "alice", ""]
    with pytest.raises(PermissionDeniedError) as refused:
        await host.take_seat("stage", 2)
    assert refused.value.reason == "seat_taken"
    await alice.leave_seat("stage")
    seats = await next_event(host, SeatListChanged)
    assert [s.member_account for s in seats.seat_list] == ["", "", "", ""]

    await admin.rooms.update("stage", take_seat_mode="ApplyToTake")
    assert await alice.take_seat("stage", 1) == "applied"
    application = await next_event(host, SeatApplication)
    assert (application.member_account, application.index) == ("alice", 1)
    assert await host.answer_seat("stage", "alice", approve=True) == "approved"
    result = await next_event(alice, SeatApplicationResult)
    assert (result.member_account, result.index, result.result, result.operator_account) == (
        "alice",
        1,
        "approved",
        "host",
    )
    assert (await admin.seats.list("stage")).seat_list[1].member_account == "alice"


# errors ---------------------------------------------------------------------------------------------------------


async def test_refusals_raise_the_sdk_exceptions_with_the_reason(admin: AsyncClient, connect: Connect) -> None:
    alice = await connect("alice")
    with pytest.raises(NotFoundError) as missing:
        await alice.enter("nowhere")
    assert (missing.value.code, missing.value.reason) == (100004, "room_not_found")
    with pytest.raises(NotFoundError) as outside:
        await alice.like(ROOM)
    assert outside.value.reason == "not_in_room"

    await alice.enter(ROOM)
    with pytest.raises(InvalidParameterError) as again:
        await alice.enter(ROOM)
    assert (again.value.code, again.value.reason) == (100002, "already_in_room")
    with pytest.raises(InvalidParameterError) as bad:
        await alice.like(ROOM, 1000)
    assert bad.value.reason == "invalid"
    assert "Count" in bad.value.info
    with pytest.raises(ConflictError) as seatless:
        await alice.take_seat(ROOM, 0)
    assert (seatless.value.code, seatless.value.reason) == (100211, "no_seats")

    await admin.members.mute(ROOM, ["alice"], 600)
    with pytest.raises(PermissionDeniedError) as muted:
        await alice.send_text(ROOM, "hello")
    assert (muted.value.code, muted.value.reason) == (100006, "muted")
    await alice.like(ROOM)  # a mute does not stop likes
    # The connection is still usable after every refusal.
    assert await alice.heartbeat() > 0


@pytest.mark.parametrize(
    ("user", "options", "error", "code"),
    [
        ("alice", {"secret_key": "0" * 64}, AuthenticationError, 70009),
        ("alice", {"usersig": tencent_sig("bob")}, AuthenticationError, 70013),
        ("alice", {"usersig": "garbage"}, AuthenticationError, 70003),
        ("stranger", {}, NotFoundError, 70107),
    ],
)
async def test_a_refused_auth_raises_from_connect(
    admin: AsyncClient, connect: Connect, user: str, options: dict[str, Any], error: type[Exception], code: int
) -> None:
    with pytest.raises(error) as refused:
        await connect(user, **options)
    assert refused.value.code == code  # type: ignore[attr-defined]
    assert refused.value.reason == "auth_failed"  # type: ignore[attr-defined]


async def test_events_end_after_close_and_requests_then_fail(admin: AsyncClient, connect: Connect) -> None:
    alice = await connect("alice")
    await alice.enter(ROOM)
    await alice.send_text(ROOM, "bye")
    await alice.close()
    assert [type(e) for e in await take(alice, 99)] == [TextMessage]  # what was read stays readable, then the end
    with pytest.raises(ConnectionClosedError):
        await alice.send_text(ROOM, "after close")


async def test_a_connection_without_heartbeats_is_closed_and_says_why(tmp_path: Path) -> None:
    server = TunedServer(f"sqlite:///{tmp_path / 'tuned.db'}", realtime_heartbeat_timeout_seconds=1.0)
    server.start()
    try:
        # ``heartbeat`` far beyond the server's window: this client stays silent.
        async with RealtimeClient(
            server.base_url, sdkappid=SDKAPPID, identifier="administrator", secret_key=SECRET_KEY, heartbeat=3600
        ) as silent:
            with pytest.raises(ConnectionClosedError) as closed:
                await asyncio.wait_for(take(silent, 1), WAIT)
            assert closed.value.code == 4008
    finally:
        server.stop()


async def test_heartbeats_keep_an_idle_connection_open(tmp_path: Path) -> None:
    server = TunedServer(f"sqlite:///{tmp_path / 'tuned.db'}", realtime_heartbeat_timeout_seconds=3.0)
    server.start()
    try:
        async with RealtimeClient(
            server.base_url, sdkappid=SDKAPPID, identifier="administrator", secret_key=SECRET_KEY
        ) as client:
            assert client.heartbeat_seconds == 1  # a third of the configured window
            await asyncio.sleep(4.5)  # longer than the window: only the background heartbeats keep it open
            assert await client.heartbeat() > 0
    finally:
        server.stop()


async def test_an_empty_room_is_dismissed_after_the_configured_time(tmp_path: Path) -> None:
    server = TunedServer(f"sqlite:///{tmp_path / 'tuned.db'}", empty_room_dismiss_seconds=0.2)
    server.start()
    try:
        async with AsyncClient(server.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
            await sdk.rooms.create("brief")
            async with RealtimeClient(
                server.base_url, sdkappid=SDKAPPID, identifier="administrator", secret_key=SECRET_KEY
            ) as client:
                await client.enter("brief")
                await client.leave("brief")
            for _ in range(100):
                try:
                    await sdk.rooms.get_info("brief")
                except NotFoundError:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the empty room was not dismissed")
    finally:
        server.stop()


# units ----------------------------------------------------------------------------------------------------------


def test_realtime_url_from_the_server_url() -> None:
    assert realtime_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/realtime"
    assert realtime_url("https://live.example.com/") == "wss://live.example.com/realtime"
    assert realtime_url("https://example.com/liveroom") == "wss://example.com/liveroom/realtime"
    assert realtime_url("ws://127.0.0.1:8080") == "ws://127.0.0.1:8080/realtime"
    assert realtime_url("wss://gw.example.com/socket") == "wss://gw.example.com/socket"
    with pytest.raises(ValueError, match="base_url"):
        realtime_url("ftp://example.com")


def test_credentials_are_one_of_key_or_usersig() -> None:
    with pytest.raises(ValueError, match="either"):
        RealtimeClient("http://x", sdkappid=SDKAPPID, identifier="alice")
    with pytest.raises(ValueError, match="either"):
        RealtimeClient("http://x", sdkappid=SDKAPPID, identifier="alice", secret_key="k", usersig="s")
    assert SECRET_KEY not in repr(RealtimeClient("http://x", sdkappid=SDKAPPID, identifier="a", secret_key=SECRET_KEY))


def test_unknown_or_odd_events_still_arrive() -> None:
    event = parse_event({"type": "event", "event": "future_thing", "RoomId": "r", "Operator_Account": "x", "data": {}})
    assert type(event) is RoomEvent
    assert (event.kind, event.room_id, event.operator_account) == ("future_thing", "r", "x")
    odd = parse_event({"type": "event", "event": "like", "RoomId": "r", "data": {"Count": "many"}})
    assert type(odd) is RoomEvent
    assert odd.data == {"Count": "many"}


def test_realtime_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LIVEROOM_REALTIME_HEARTBEAT_TIMEOUT_SECONDS": "30",
            "LIVEROOM_EMPTY_ROOM_DISMISS_SECONDS": "120",
            "LIVEROOM_SEAT_APPLICATION_TIMEOUT_SECONDS": "15.5",
            "LIVEROOM_REALTIME_MAX_ROOMS": "4",
        }
    )
    assert settings.realtime_heartbeat_timeout_seconds == 30
    assert settings.empty_room_dismiss_seconds == 120
    assert settings.seat_application_timeout_seconds == 15.5
    assert settings.realtime_max_rooms == 4
    assert Settings().empty_room_dismiss_seconds == 30 * 60
    assert Settings.from_env(settings.to_env()) == settings
    with pytest.raises(SettingsError, match="empty_room_dismiss_seconds"):
        Settings.from_env({"LIVEROOM_EMPTY_ROOM_DISMISS_SECONDS": "0"})
    with pytest.raises(SettingsError, match="realtime_heartbeat_timeout_seconds"):
        Settings.from_env({"LIVEROOM_REALTIME_HEARTBEAT_TIMEOUT_SECONDS": "2"})


# moderation --------------------------------------------------------------------------------------------------


async def test_the_owner_moderates_through_the_client_and_the_guests_see_typed_events(
    admin: AsyncClient, connect: Connect
) -> None:
    await admin.rooms.create("stage", owner_account="host", is_seat_enabled=True, max_seat_count=3)
    host, alice, bob = await connect("host"), await connect("alice"), await connect("bob")
    for rt in (host, alice, bob):
        await rt.enter("stage")
    assert await alice.take_seat("stage", 1) == "taken"
    with pytest.raises(PermissionDeniedError) as refused:
        await bob.kick_member("stage", ["alice"])
    assert refused.value.reason == "not_allowed"
    await host.close_microphone("stage", "alice")
    closed = await next_event(alice, MicrophoneChanged)
    assert (closed.member_account, closed.index, closed.is_open) == ("alice", 1, False)
    await host.lock_seat("stage", 2, forbid_video=True)
    await host.move_user_to_seat("stage", "alice", 0)
    await host.kick_user_off_seat("stage", "alice", "later")
    off = await next_event(alice, KickedOffSeat)
    assert (off.member_account, off.index, off.payload) == ("alice", 0, "later")
    await host.mute_member("stage", ["bob"], 60)
    await host.kick_member("stage", ["bob"])
    kicked = await next_event(bob, KickedOutOfRoom)
    assert (kicked.member_account, kicked.reason, kicked.operator_account) == ("bob", "by_admin", "host")
    assert "stage" not in bob.rooms
    await host.ban_member("stage", ["alice"], 60, reason="spam")
    banned = await next_event(alice, MemberBanned)
    assert (banned.member_list_account, banned.reason) == (["alice"], "spam")
    assert [m async for m in host.iter_members("stage")] == ["host"]
    seats = (await admin.seats.list("stage")).seat_list
    assert [s.is_video_disabled for s in seats] == [False, False, True]


async def test_invitations_and_a_cancelled_application_through_the_client(admin: AsyncClient, connect: Connect) -> None:
    await admin.rooms.create("salon", owner_account="host", seat_template="AudioSalon", take_seat_mode="ApplyToTake")
    host, alice, bob = await connect("host"), await connect("alice"), await connect("bob")
    for rt in (host, alice, bob):
        await rt.enter("salon")
    await host.invite_to_seat("salon", "alice", 2, seconds=30)
    invited = await next_event(alice, SeatInvitation)
    assert (invited.member_account, invited.index, invited.timeout, invited.operator_account) == (
        "alice",
        2,
        30,
        "host",
    )
    assert await alice.answer_invitation("salon", True) == "accepted"
    result = await next_event(host, SeatInvitationResult)
    assert (result.member_account, result.result) == ("alice", "accepted")
    with pytest.raises(NotFoundError) as none:
        await bob.answer_invitation("salon", True)
    assert none.value.reason == "no_invitation"
    assert await bob.take_seat("salon", 1) == "applied"
    await bob.cancel_application("salon")
    cancelled = await next_event(host, SeatApplicationResult)
    assert (cancelled.member_account, cancelled.result) == ("bob", "cancelled")
    await host.invite_to_seat("salon", "bob", 1)
    await host.cancel_invitation("salon", "bob")
    assert (await next_event(bob, SeatInvitationResult)).result == "cancelled"
