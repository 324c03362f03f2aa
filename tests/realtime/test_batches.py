"""Messages of a busy room batched over real sockets (docs/realtime.md, "Batches"): below the threshold each message
is its own frame; above it members get ``events`` frames carrying every message in order, nothing lost or repeated,
other events keeping their place between them, and the sender answered after its own copy. The SDK hands the
events of a batch out one by one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from liveroom.api.app import LiveroomApp
from liveroom.client import RealtimeClient
from liveroom.client.realtime import TextMessage
from liveroom.settings import Settings, SettingsError
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient, tencent_sig
from tests.serving import serving

ROOM = "barrage"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0
# A window long enough that the messages published one after the other in a test fall in one batch, busy machine or not.
BATCHED = {"LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS": "1", "LIVEROOM_REALTIME_BATCH_THRESHOLD": "3"}


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    environ: dict[str, str] = getattr(request, "param", {})
    return Settings.from_env(environ, database_url=database_url, access_log=False)


@pytest.fixture
async def base(server: LiveroomApp, live: LiveClient) -> AsyncIterator[str]:
    await live.import_accounts("alice", "bob", "carol", "dave")
    await live.create_room(ROOM)
    async with serving(server) as (host, port):
        yield f"http://{host}:{port}"


async def ask(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    while True:
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if reply.get("ref") == message["id"]:
            return reply


async def member(base: str, user: str) -> ClientConnection:
    ws = await connect(base.replace("http://", "ws://") + "/realtime", compression=None)
    auth = {"type": "auth", "id": "a", "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user)}
    assert (await ask(ws, auth))["type"] == "auth_ok"
    assert (await ask(ws, {"type": "enter", "id": "e", "RoomId": ROOM}))["type"] == "entered"
    return ws


async def publish(live: LiveClient, numbers: range) -> None:
    for i in numbers:
        await live.ok("send_text_msg", {"RoomId": ROOM, "Sender_Account": "carol", "TextContent": f"m{i}"})


def label(event: dict[str, Any]) -> str:
    """A text message as its text, another event as its kind."""
    return str(event["data"]["TextContent"]) if event["event"] == "text_message" else str(event["event"])


async def receive(ws: ClientConnection, until: str) -> list[tuple[str, list[str]]]:
    """Every frame up to the one carrying the event ``until`` (labelled): each as its type and the labels of its
    events."""
    frames: list[tuple[str, list[str]]] = []
    while not frames or until not in frames[-1][1]:
        frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if frame["type"] == "events":
            assert frame["RoomId"] == ROOM
            assert all(event["type"] == "event" and event["RoomId"] == ROOM for event in frame["events"])
            frames.append(("events", [label(event) for event in frame["events"]]))
        elif frame["type"] == "event":
            frames.append(("event", [label(frame)]))
    return frames


def flat(frames: list[tuple[str, list[str]]]) -> list[str]:
    return [item for _, labels in frames for item in labels]


async def test_below_the_threshold_each_message_is_its_own_frame(base: str, live: LiveClient) -> None:
    # The default: more than 5 messages within 100 ms; 5 never are, however fast they come.
    alice = await member(base, "alice")
    await publish(live, range(5))
    frames = await receive(alice, "m4")
    assert frames == [("event", [f"m{i}"]) for i in range(5)]
    await alice.close()


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_above_the_threshold_members_get_every_message_in_order_in_batches(base: str, live: LiveClient) -> None:
    alice, bob = await member(base, "alice"), await member(base, "bob")
    await receive(alice, "member_entered")  # bob's
    await publish(live, range(10))
    custom = {"RoomId": ROOM, "Sender_Account": "carol", "BusinessId": "cheer", "Data": "3"}
    await live.ok("send_custom_msg", custom)
    await publish(live, range(10, 20))
    for ws in (alice, bob):
        frames = await receive(ws, "m19")
        assert flat(frames) == [f"m{i}" for i in range(10)] + ["custom_message"] + [f"m{i}" for i in range(10, 20)]
        # The first three alone, then batches.
        assert frames[:3] == [("event", ["m0"]), ("event", ["m1"]), ("event", ["m2"])]
        assert any(kind == "events" and len(labels) > 1 for kind, labels in frames[3:])
    await alice.close()
    await bob.close()


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_a_batch_goes_out_once_it_carries_64_kib(base: str, live: LiveClient) -> None:
    alice = await member(base, "alice")
    big = "x" * 7000
    for i in range(30):  # 210 KB of messages within one window
        await live.ok(
            "send_text_msg",
            {"RoomId": ROOM, "Sender_Account": "carol", "TextContent": f"m{i}", "ExtensionInfo": json.dumps(big)},
        )
    sizes: list[int] = []
    texts: list[str] = []
    while len(texts) < 30:
        raw = await asyncio.wait_for(alice.recv(), WAIT)
        frame = json.loads(raw)
        if frame["type"] == "events":
            sizes.append(len(raw))
            texts += [event["data"]["TextContent"] for event in frame["events"]]
        elif frame.get("event") == "text_message":
            texts.append(frame["data"]["TextContent"])
    assert texts == [f"m{i}" for i in range(30)]
    assert len(sizes) >= 3
    assert max(sizes) < 64 * 1024 + 8 * 1024


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_other_events_keep_their_place_between_batched_messages(base: str, live: LiveClient) -> None:
    alice = await member(base, "alice")
    await publish(live, range(10))
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "RoomName": "loud"}})
    await publish(live, range(10, 15))
    dave = await member(base, "dave")
    await publish(live, range(15, 25))
    expected = [f"m{i}" for i in range(10)] + ["room_info_changed"] + [f"m{i}" for i in range(10, 15)]
    assert flat(await receive(alice, "m24")) == [*expected, "member_entered"] + [f"m{i}" for i in range(15, 25)]
    # The one who entered gets the messages published after its entry, each once, and none before.
    frames = await receive(dave, "m24")
    assert flat(frames) == [f"m{i}" for i in range(15, 25)]
    assert any(kind == "events" for kind, _ in frames)
    await alice.close()
    await dave.close()


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_the_sender_is_answered_after_its_own_copy_in_a_batch(base: str, live: LiveClient) -> None:
    alice = await member(base, "alice")
    await publish(live, range(4))  # the fourth opens a batch
    await alice.send(json.dumps({"type": "send_text", "id": "mine", "RoomId": ROOM, "TextContent": "hers"}))
    seen: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(alice.recv(), WAIT))
        if frame.get("ref") == "mine":
            assert frame["type"] == "ok"
            break
        seen.append(frame)
    batches = [frame for frame in seen if frame["type"] == "events"]
    assert batches, seen
    assert [label(event) for event in batches[-1]["events"]] == ["m3", "hers"]
    await alice.close()


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_a_gift_joins_the_open_batch_in_its_place_and_its_sender_is_answered_after_it(
    base: str, live: LiveClient
) -> None:
    await live.ok("copy_default_gift_config", {})
    alice = await member(base, "alice")
    await publish(live, range(4))  # the fourth opens a batch
    await alice.send(json.dumps({"type": "send_gift", "id": "g", "RoomId": ROOM, "GiftId": "rose"}))
    seen: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(alice.recv(), WAIT))
        if frame.get("ref") == "g":
            assert frame["type"] == "ok"
            break
        seen.append(frame)
    await publish(live, range(4, 6))
    frames = await receive(alice, "m5")
    assert seen[-1]["type"] == "events"
    assert [label(event) for event in seen[-1]["events"]] == ["m3", "gift"]
    assert flat(frames) == ["m4", "m5"]
    await alice.close()


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_the_sdk_yields_the_events_of_a_batch_one_by_one(base: str, live: LiveClient) -> None:
    alice = await member(base, "alice")
    async with RealtimeClient(base, sdkappid=SDKAPPID, identifier="bob", secret_key=SECRET_KEY) as bob:
        await bob.enter(ROOM)
        await publish(live, range(12))
        texts: list[str] = []
        async for event in bob.events():
            if isinstance(event, TextMessage):
                assert event.room_id == ROOM and event.sender_account == "carol"
                texts.append(event.text_content)
                if len(texts) == 12:
                    break
        assert texts == [f"m{i}" for i in range(12)]
        await bob.send_text(ROOM, "bye")  # returns once bob's own copy has arrived
    # The same messages did reach the room in batches.
    assert any(kind == "events" for kind, _ in await receive(alice, "m11"))
    await alice.close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS", "-0.1"),
        ("LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS", "1.5"),
        ("LIVEROOM_REALTIME_BATCH_THRESHOLD", "0"),
        ("LIVEROOM_REALTIME_BATCH_THRESHOLD", "10001"),
    ],
)
def test_a_batch_setting_out_of_range_is_refused_with_the_setting_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name.removeprefix("LIVEROOM_").lower()):
        Settings.from_env({name: value})


def test_a_batch_window_of_0_turns_batches_off() -> None:
    assert Settings.from_env({"LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS": "0"}).realtime_batch_window_seconds == 0


@pytest.mark.parametrize("settings", [BATCHED], indirect=True)
async def test_a_member_who_leaves_gets_the_messages_batched_while_it_was_in_the_room(
    base: str, live: LiveClient
) -> None:
    bob = await member(base, "bob")
    await publish(live, range(6))  # 3 alone, 3 in the batch still open
    await bob.send(json.dumps({"type": "leave", "id": "bye", "RoomId": ROOM}))
    texts: list[str] = []
    while True:
        frame = json.loads(await asyncio.wait_for(bob.recv(), WAIT))
        if frame.get("ref") == "bye":
            assert frame["type"] == "left"
            break
        events = frame["events"] if frame["type"] == "events" else [frame]
        texts += [label(event) for event in events]
    assert texts == [f"m{i}" for i in range(6)]
    await bob.close()
