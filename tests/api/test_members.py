"""Member management over REST: admins, bans and mutes (spec section 2.2), with a clock the test controls."""

from __future__ import annotations

import pytest

from liveroom.api.app import LiveroomApp
from tests.helpers import ADMIN, Clock, LiveClient

NOW = 1_800_000_000


@pytest.fixture
def clock(server: LiveroomApp) -> Clock:
    clock = Clock(NOW)
    server.services.clock = clock
    return clock


@pytest.fixture
async def room(live: LiveClient, clock: Clock) -> str:
    await live.import_accounts("host", *(f"user{i}" for i in range(30)))
    await live.create_room("room-1", Owner_Account="host")
    return "room-1"


# admins ---------------------------------------------------------------------------------------------------


async def test_modify_admin_adds_and_deletes_and_get_admin_list_reads_them(live: LiveClient, room: str) -> None:
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert data["Response"] == {"Admin_Account": []}
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["user2", "user1", "user1"], "OpType": "add"})
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert data["Response"]["Admin_Account"] == ["user1", "user2"]
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["user1", "user9"], "OpType": "delete"})
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert data["Response"]["Admin_Account"] == ["user2"]


async def test_a_room_has_at_most_five_admins(live: LiveClient, room: str) -> None:
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["user1", "user2", "user3"], "OpType": "add"})
    info = await live.fails(
        100020, "modify_admin", {"RoomId": room, "Admin_Account": ["user4", "user5", "user6"], "OpType": "add"}
    )
    assert "5" in info
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert data["Response"]["Admin_Account"] == ["user1", "user2", "user3"]
    # Re-adding existing admins does not count twice.
    await live.ok(
        "modify_admin", {"RoomId": room, "Admin_Account": ["user1", "user2", "user4", "user5"], "OpType": "add"}
    )
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert len(data["Response"]["Admin_Account"]) == 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"RoomId": "room-1", "Admin_Account": ["user1"], "OpType": "promote"}, 100002),
        ({"RoomId": "room-1", "Admin_Account": ["user1"]}, 100002),
        ({"RoomId": "room-1", "Admin_Account": [], "OpType": "add"}, 100002),
        ({"RoomId": "room-1", "Admin_Account": [12345], "OpType": "add"}, 60015),
        ({"RoomId": "room-1", "Admin_Account": ["never-imported"], "OpType": "add"}, 70107),
        ({"RoomId": "no-such-room", "Admin_Account": ["user1"], "OpType": "add"}, 100004),
    ],
)
async def test_modify_admin_refuses_bad_input(live: LiveClient, room: str, body: dict[str, object], code: int) -> None:
    await live.fails(code, "modify_admin", body)
    data = await live.ok("get_admin_list", {"RoomId": room})
    assert data["Response"]["Admin_Account"] == []


async def test_get_admin_list_of_a_missing_room_is_100004(live: LiveClient, room: str) -> None:
    await live.fails(100004, "get_admin_list", {"RoomId": "no-such-room"})


# bans -----------------------------------------------------------------------------------------------------


async def test_ban_member_lists_the_ban_until_it_ends(live: LiveClient, room: str, clock: Clock) -> None:
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 60, "Reason": "spam"})
    data = await live.ok("get_banned_member_list", {"RoomId": room})
    assert data["Response"] == {
        "BannedAccountList": [{"Member_Account": "user1", "BannedUntil": NOW + 60}],
        "NextOffset": 0,
    }
    clock.now += 60
    data = await live.ok("get_banned_member_list", {"RoomId": room})
    assert data["Response"] == {"BannedAccountList": [], "NextOffset": 0}


async def test_banning_again_moves_the_end_of_the_ban(live: LiveClient, room: str) -> None:
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 60})
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 3600})
    data = await live.ok("get_banned_member_list", {"RoomId": room})
    assert data["Response"]["BannedAccountList"] == [{"Member_Account": "user1", "BannedUntil": NOW + 3600}]


async def test_unban_member_lifts_the_ban(live: LiveClient, room: str) -> None:
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1", "user2"], "Duration": 60})
    await live.ok("unban_member", {"RoomId": room, "MemberList_Account": ["user1", "not-banned"]})
    data = await live.ok("get_banned_member_list", {"RoomId": room})
    assert [b["Member_Account"] for b in data["Response"]["BannedAccountList"]] == ["user2"]


async def test_get_banned_member_list_pages_with_offset_and_next_offset(live: LiveClient, room: str) -> None:
    accounts = [f"user{i}" for i in range(25)]
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": accounts[:20], "Duration": 60})
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": accounts[20:], "Duration": 60})
    seen: list[str] = []
    offsets = []
    offset = 0
    while True:
        data = await live.ok("get_banned_member_list", {"RoomId": room, "Offset": offset, "Limit": 10})
        page = data["Response"]["BannedAccountList"]
        assert len(page) <= 10
        seen += [b["Member_Account"] for b in page]
        offset = data["Response"]["NextOffset"]
        offsets.append(offset)
        if offset == 0:
            break
    assert offsets == [10, 20, 0]
    assert seen == sorted(accounts)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"RoomId": "room-1", "MemberList_Account": [f"user{i}" for i in range(21)], "Duration": 60}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": [], "Duration": 60}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"]}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"], "Duration": 0}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"], "Duration": "60"}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"], "Duration": 60, "Reason": "x" * 201}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"], "Duration": 60, "Reason": "é" * 101}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": [7], "Duration": 60}, 60015),
        ({"RoomId": "room-1", "MemberList_Account": ["user1", "never-imported"], "Duration": 60}, 70107),
        ({"RoomId": "room-1", "MemberList_Account": ["host"], "Duration": 60}, 100006),
        ({"RoomId": "no-such-room", "MemberList_Account": ["user1"], "Duration": 60}, 100004),
    ],
)
async def test_ban_member_refuses_bad_input(live: LiveClient, room: str, body: dict[str, object], code: int) -> None:
    await live.fails(code, "ban_member", body)
    data = await live.ok("get_banned_member_list", {"RoomId": room})
    assert data["Response"]["BannedAccountList"] == []


async def test_a_reason_of_200_bytes_is_accepted(live: LiveClient, room: str) -> None:
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 60, "Reason": "é" * 100})


@pytest.mark.parametrize(
    "body",
    [
        {"RoomId": "room-1", "Limit": 101},
        {"RoomId": "room-1", "Limit": 0},
        {"RoomId": "room-1", "Offset": -1},
        {"RoomId": "room-1", "Offset": "10"},
    ],
)
async def test_get_banned_member_list_checks_offset_and_limit(
    live: LiveClient, room: str, body: dict[str, object]
) -> None:
    await live.fails(100002, "get_banned_member_list", body)


async def test_unban_and_list_of_a_missing_room_are_100004(live: LiveClient, room: str) -> None:
    await live.fails(100004, "unban_member", {"RoomId": "nope", "MemberList_Account": ["user1"]})
    await live.fails(100004, "get_banned_member_list", {"RoomId": "nope"})
    too_many = [f"user{i}" for i in range(21)]
    await live.fails(100002, "unban_member", {"RoomId": room, "MemberList_Account": too_many})


async def test_a_banned_account_cannot_become_owner(live: LiveClient, room: str) -> None:
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 60})
    await live.fails(100016, "change_room_owner", {"RoomId": room, "NewOwner_Account": "user1"})
    await live.ok("unban_member", {"RoomId": room, "MemberList_Account": ["user1"]})
    await live.ok("change_room_owner", {"RoomId": room, "NewOwner_Account": "user1"})


# mutes ----------------------------------------------------------------------------------------------------


async def test_mute_member_lists_the_mute_until_it_ends_and_mute_time_0_unmutes(
    live: LiveClient, room: str, clock: Clock
) -> None:
    await live.ok("mute_member", {"RoomId": room, "MemberList_Account": ["user1", "user2"], "MuteTime": 30})
    data = await live.ok("get_muted_member_list", {"RoomId": room})
    assert data["Response"] == {
        "MutedAccountList": [
            {"Member_Account": "user1", "MutedUntil": NOW + 30},
            {"Member_Account": "user2", "MutedUntil": NOW + 30},
        ]
    }
    await live.ok("mute_member", {"RoomId": room, "MemberList_Account": ["user1"], "MuteTime": 0})
    data = await live.ok("get_muted_member_list", {"RoomId": room, "Offset": 0, "Limit": 10})
    assert data["Response"]["MutedAccountList"] == [{"Member_Account": "user2", "MutedUntil": NOW + 30}]
    clock.now += 30
    data = await live.ok("get_muted_member_list", {"RoomId": room})
    assert data["Response"]["MutedAccountList"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"RoomId": "room-1", "MemberList_Account": ["user1"], "MuteTime": -1}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["user1"]}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": [], "MuteTime": 10}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": ["x"] * 101, "MuteTime": 10}, 100002),
        ({"RoomId": "room-1", "MemberList_Account": [1], "MuteTime": 10}, 60015),
        ({"RoomId": "room-1", "MemberList_Account": ["never-imported"], "MuteTime": 10}, 70107),
        ({"RoomId": "no-such-room", "MemberList_Account": ["user1"], "MuteTime": 10}, 100004),
    ],
)
async def test_mute_member_refuses_bad_input(live: LiveClient, room: str, body: dict[str, object], code: int) -> None:
    await live.fails(code, "mute_member", body)
    data = await live.ok("get_muted_member_list", {"RoomId": room})
    assert data["Response"]["MutedAccountList"] == []


async def test_get_muted_member_list_of_a_missing_room_is_100004(live: LiveClient, room: str) -> None:
    await live.fails(100004, "get_muted_member_list", {"RoomId": "nope"})


# lifecycle ------------------------------------------------------------------------------------------------


async def test_destroy_room_removes_its_admins_bans_and_mutes(live: LiveClient, room: str) -> None:
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["user1"], "OpType": "add"})
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user2"], "Duration": 60})
    await live.ok("mute_member", {"RoomId": room, "MemberList_Account": ["user3"], "MuteTime": 60})
    await live.ok("destroy_room", {"RoomId": room})
    await live.create_room(room, Owner_Account=ADMIN)
    assert (await live.ok("get_admin_list", {"RoomId": room}))["Response"]["Admin_Account"] == []
    banned = await live.ok("get_banned_member_list", {"RoomId": room})
    assert banned["Response"]["BannedAccountList"] == []
    muted = await live.ok("get_muted_member_list", {"RoomId": room})
    assert muted["Response"]["MutedAccountList"] == []


async def test_rooms_do_not_share_members(live: LiveClient, room: str) -> None:
    await live.create_room("room-2")
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["user1"], "Duration": 60})
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["user1"], "OpType": "add"})
    other = await live.ok("get_banned_member_list", {"RoomId": "room-2"})
    assert other["Response"]["BannedAccountList"] == []
    assert (await live.ok("get_admin_list", {"RoomId": "room-2"}))["Response"]["Admin_Account"] == []
