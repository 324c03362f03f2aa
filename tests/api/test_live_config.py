"""``v4/live_config/*``: one callback configuration and one token per app (decisions.md section 8)."""

from __future__ import annotations

import pytest

from tests.helpers import Guarded, LiveClient

CONFIG = "live_config"
COMMANDS = ["Live.CallbackAfterCreateRoom", "Live.CallbackAfterDestroyRoom"]
URL = "https://backend.example.com/liveroom/callback"


async def test_set_get_update_delete_a_callback(live: LiveClient) -> None:
    await live.fails(100301, "get_callback", {}, service=CONFIG)
    await live.ok("set_callback", {"Url": URL, "CallbackCommandList": COMMANDS}, service=CONFIG)
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"] == {"Url": URL, "CallbackCommandList": sorted(COMMANDS)}

    await live.ok("update_callback", {"CallbackCommandList": ["Mic.CallbackAfterSeatInfoChanged"]}, service=CONFIG)
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"] == {"Url": URL, "CallbackCommandList": ["Mic.CallbackAfterSeatInfoChanged"]}
    await live.ok("update_callback", {"Url": "http://127.0.0.1:9/cb"}, service=CONFIG)
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"]["Url"] == "http://127.0.0.1:9/cb"

    await live.ok("delete_callback", {}, service=CONFIG)
    await live.fails(100301, "get_callback", {}, service=CONFIG)
    await live.fails(100301, "delete_callback", {}, service=CONFIG)
    await live.fails(100301, "update_callback", {"Url": URL}, service=CONFIG)
    # Deleted, it can be created again.
    await live.ok("set_callback", {"Url": URL, "CallbackCommandList": []}, service=CONFIG)
    assert (await live.ok("get_callback", {}, service=CONFIG))["Response"]["CallbackCommandList"] == []


async def test_set_callback_twice_is_refused(live: LiveClient, guard: Guarded) -> None:
    await live.ok("set_callback", {"Url": URL, "CallbackCommandList": COMMANDS}, service=CONFIG)
    info = await guard.fails(100300, "set_callback", {"Url": URL, "CallbackCommandList": []}, service=CONFIG)
    assert "update_callback" in info


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"CallbackCommandList": COMMANDS}, "Url: required"),
        ({"Url": URL}, "CallbackCommandList: required"),
        ({"Url": "ftp://example.com/cb", "CallbackCommandList": []}, "Url"),
        ({"Url": "https://", "CallbackCommandList": []}, "Url"),
        ({"Url": "https://a.example/" + "x" * 1020, "CallbackCommandList": []}, "Url: at most 1024 bytes"),
        ({"Url": URL, "CallbackCommandList": ["Live.CallbackAfterNothing"]}, "Live.CallbackAfterNothing"),
        ({"Url": URL, "CallbackCommandList": "Live.CallbackAfterCreateRoom"}, "CallbackCommandList"),
    ],
)
async def test_a_bad_configuration_is_refused_naming_the_field(
    guard: Guarded, body: dict[str, object], field: str
) -> None:
    assert field in await guard.fails(100002, "set_callback", body, service=CONFIG)


async def test_every_catalogue_command_is_accepted(live: LiveClient) -> None:
    catalogue = [
        "Live.CallbackAfterCreateRoom",
        "Live.CallbackAfterDestroyRoom",
        "Live.CallbackAfterUpdateRoomInfo",
        "Live.CallbackAfterMemberStateChanged",
        "Live.CallbackAfterSetMetadata",
        "Live.CallbackAfterDelMetadata",
        "Live.CallbackAfterModifyAdmin",
        "Live.CallbackAfterEndBattle",
        "Live.CallbackAfterChangeOwner",
        "Live.CallbackAfterCreateRoomReachingThreshold",
        "Mic.CallbackAfterSeatInfoChanged",
        "Live.CallbackAfterCreateBattle",
        "Live.CallbackAfterStartBattle",
        "Live.CallbackBeforeSendGift",
        "Group.CallbackBeforeSendMsg",
        "Group.CallbackAfterSendMsg",
    ]
    await live.ok("set_callback", {"Url": URL, "CallbackCommandList": catalogue}, service=CONFIG)
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"]["CallbackCommandList"] == sorted(catalogue)


async def test_the_token_needs_both_fields_the_first_time_then_either(live: LiveClient, guard: Guarded) -> None:
    await live.fails(100302, "get_callback_token", {}, service=CONFIG)
    assert "IsTokenEnable" in await guard.fails(100002, "set_callback_token", {"Token": "t0ken"}, service=CONFIG)
    assert "Token" in await guard.fails(100002, "set_callback_token", {"IsTokenEnable": True}, service=CONFIG)
    await live.ok("set_callback_token", {"Token": "t0ken", "IsTokenEnable": True}, service=CONFIG)
    got = await live.ok("get_callback_token", {}, service=CONFIG)
    assert got["Response"] == {"Token": "t0ken", "IsTokenEnable": True}
    await live.ok("set_callback_token", {"IsTokenEnable": False}, service=CONFIG)
    await live.ok("set_callback_token", {"Token": "another"}, service=CONFIG)
    got = await live.ok("get_callback_token", {}, service=CONFIG)
    assert got["Response"] == {"Token": "another", "IsTokenEnable": False}


@pytest.mark.parametrize("token", ["", "x" * 129])
async def test_a_token_is_1_to_128_bytes(guard: Guarded, token: str) -> None:
    await guard.fails(100002, "set_callback_token", {"Token": token, "IsTokenEnable": True}, service=CONFIG)


async def test_the_token_outlives_a_deleted_callback(live: LiveClient) -> None:
    await live.ok("set_callback_token", {"Token": "t0ken", "IsTokenEnable": True}, service=CONFIG)
    await live.ok("set_callback", {"Url": URL, "CallbackCommandList": COMMANDS}, service=CONFIG)
    await live.ok("delete_callback", {}, service=CONFIG)
    assert (await live.ok("get_callback_token", {}, service=CONFIG))["Response"]["Token"] == "t0ken"
