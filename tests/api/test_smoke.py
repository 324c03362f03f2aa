"""The seed scenario: create a room and read it back with a UserSig from Tencent's generator."""

from __future__ import annotations

from tests.helpers import LiveClient


async def test_get_room_info_answers_every_seed_field_with_its_json_type(live: LiveClient) -> None:
    await live.create_room("live-room", RoomName="Friday show", Category=[1, 2])
    data = await live.ok("get_room_info", {"RoomId": "live-room"})
    info = data["Response"]["RoomInfo"]
    expected_types = {
        "RoomId": str,
        "RoomName": str,
        "RoomType": str,
        "Owner_Account": str,
        "CreateTime": int,
        "IsSeatEnabled": bool,
        "TakeSeatMode": str,
        "MaxSeatCount": int,
        "MaxMemberCount": int,
        "IsMessageDisabled": bool,
        "CoverURL": str,
        "Category": list,
        "ActivityStatus": int,
        "ViewCount": int,
        "IsPublicVisible": bool,
        "SeatTemplate": str,
        "Notice": str,
        "MemberCount": int,
    }
    for name, kind in expected_types.items():
        assert type(info[name]) is kind, (name, info[name])
    assert info["RoomId"] == "live-room"
    assert info["RoomName"] == "Friday show"
    assert info["Category"] == [1, 2]
    assert info["Owner_Account"] == "administrator"
    assert info["TakeSeatMode"] == "FreeToTake"
    assert info["IsPublicVisible"] is True
