"""A committed change answers success: what follows the commit (telling the rooms' members, the other nodes,
presence) may fail, and is logged, never answered (decisions.md section 7: a request that failed changed nothing)."""

from __future__ import annotations

import logging

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.events import AnyRoomEvent
from tests.helpers import LiveClient


@pytest.fixture
def failing_subscriber(server: LiveroomApp) -> list[AnyRoomEvent]:
    """A subscriber to room events (as the realtime gateway, the relay, webhooks are) that fails on each one."""
    seen: list[AnyRoomEvent] = []

    async def fail(event: AnyRoomEvent) -> None:
        seen.append(event)
        raise RuntimeError("the subscriber failed")

    server.services.events.subscribe(fail)
    return seen


@pytest.mark.parametrize(
    ("command", "body", "kind"),
    [
        ("destroy_room", {"RoomId": "r"}, "room_dismissed"),
        ("update_room_info", {"RoomInfo": {"RoomId": "r", "Notice": "n"}}, "room_info_changed"),
        ("ban_member", {"RoomId": "r", "MemberList_Account": ["u"], "Duration": 60}, "member_banned"),
    ],
)
async def test_a_change_whose_event_a_subscriber_fails_on_answers_success(
    live: LiveClient,
    failing_subscriber: list[AnyRoomEvent],
    caplog: pytest.LogCaptureFixture,
    command: str,
    body: dict[str, object],
    kind: str,
) -> None:
    await live.import_accounts("owner", "u")
    await live.create_room("r", Owner_Account="owner")
    with caplog.at_level(logging.ERROR, logger="liveroom.events"):
        await live.ok(command, body)
    assert [event.__struct_config__.tag for event in failing_subscriber] == [kind]
    assert "the subscriber failed" in caplog.text
    if command == "destroy_room":
        await live.fails(100004, "get_room_info", {"RoomId": "r"})
