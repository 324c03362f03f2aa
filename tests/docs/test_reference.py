"""docs/reference.md stays true to the code: one row per error code liveroom answers, with the SDK exception raised
for it; one row per exit status of the command line; the limits as the code holds them. A code, a status or a limit
added or changed without its documentation fails here."""

from __future__ import annotations

import re

import pytest

from liveroom.api import accounts as account_api
from liveroom.cli.exits import ExitStatus
from liveroom.client.errors import error_class
from liveroom.domain import accounts, apps, battles, members, messages, metadata, rooms
from liveroom.errors import ErrorCode
from liveroom.realtime.protocol import MAX_FRAME_BYTES
from liveroom.settings import Settings
from tests.docs.markdown import ROOT

REFERENCE = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = REFERENCE.index(f"\n## {title}\n")
    end = REFERENCE.find("\n## ", start + 1)
    return REFERENCE[start : end if end != -1 else None]


def rows(title: str) -> list[list[str]]:
    """The cells of the table rows of a section (header and rule left out)."""
    found = []
    for line in section(title).splitlines():
        if line.startswith("| ") and not line.startswith(("| code ", "| status ", "| what ")):
            found.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return found


def test_every_error_code_is_documented_once_with_its_sdk_exception() -> None:
    documented = {int(cells[0]): cells[1].strip("`") for cells in rows("Error codes")}
    assert len(documented) == len(rows("Error codes"))
    answered = {int(code) for code in ErrorCode if code is not ErrorCode.OK}
    assert set(documented) == answered
    for code, exception in documented.items():
        assert exception == error_class(code).__name__, code


def test_the_error_codes_are_in_order() -> None:
    codes = [int(cells[0]) for cells in rows("Error codes")]
    assert codes == sorted(codes)


def test_every_exit_status_is_documented() -> None:
    documented = [int(cells[0]) for cells in rows("Exit statuses of the `liveroom` command")]
    assert documented == sorted(int(status) for status in ExitStatus)


DASH = "\N{EN DASH}"  # ranges as the page writes them
LIMITS = [
    ("request body", f"{Settings().max_body_bytes // 1024 // 1024} MiB"),
    ("request body", f"within {Settings().body_timeout_seconds:g} s"),
    ("request line and headers", f"{Settings().max_header_bytes // 1024} KiB"),
    ("request line and headers", f"within {Settings().header_timeout_seconds:g} s"),
    ("open connections per address", str(Settings().max_connections_per_address)),
    ("realtime frame", f"{MAX_FRAME_BYTES // 1024} KiB"),
    ("realtime connections per address", str(Settings().realtime_unauthenticated_per_address)),
    ("`RoomId`", f"1{DASH}48 bytes"),
    ("`MaxMemberCount`", f"({apps.DEFAULT_MEMBER_QUOTA} unless"),
    ("`MaxSeatCount`", f"({apps.DEFAULT_SEAT_QUOTA} unless"),
    ("`MaxSeatCount`", f"at most {apps.MAX_SEAT_QUOTA}"),
    ("`MaxSeatCount`", f"defaults to {rooms.DEFAULT_SEATS}"),
    ("`UserID`", f"1{DASH}{accounts.USER_ID_MAX_BYTES} bytes"),
    ("`Nick`, `FaceUrl`", f"up to {accounts.NICK_MAX_BYTES} and {accounts.FACE_URL_MAX_BYTES} bytes"),
    ("accounts per call", str(account_api.BATCH_MAX)),
    ("admins of a room", str(members.MAX_ADMINS)),
    ("robots in a room", str(members.MAX_ROBOTS)),
    ("`ban_member`", f"{members.BAN_BATCH_MAX} accounts a call"),
    ("`mute_member`", f"{members.MUTE_BATCH_MAX} accounts a call"),
    ("`get_banned_member_list`", f"1..{members.BANNED_PAGE_MAX}"),
    ("`get_room_list`", f"1..{rooms.LIST_PAGE_MAX}"),
    ("room metadata", f"{metadata.MAX_KEYS} keys; a key 1{DASH}{metadata.KEY_MAX_BYTES} bytes"),
    ("room metadata", f"up to {metadata.VALUE_MAX_BYTES} bytes; all values up to {metadata.TOTAL_MAX_BYTES} bytes"),
    ("`send_text_msg`", f"up to {messages.MESSAGE_MAX_BYTES // 1024} KiB"),
    ("UserSig failures", f"{Settings().lockout_failures} per address"),
    ("`create_battle`", f"`ToRoomIdList` 1{DASH}{battles.INVITED_MAX} RoomIds"),
    ("`create_battle`", f"`Duration` {battles.DURATION_MIN_MS}..{battles.DURATION_MAX_MS} ms"),
    ("`create_battle`", f"`ExtensionInfo` up to {battles.EXTENSION_MAX_BYTES} bytes"),
    ("`set_battle_score`", f"`ScoreList` 1{DASH}{battles.INVITED_MAX + 1} rooms"),
    ("`set_battle_score`", f"`Score` 0..{battles.SCORE_MAX}"),
]


@pytest.mark.parametrize(("what", "stated"), LIMITS)
def test_the_limits_are_the_codes(what: str, stated: str) -> None:
    row = next(" | ".join(cells) for cells in rows("Limits") if cells[0].startswith(what))
    assert stated in row


def test_the_empty_room_dismissal_is_the_default_setting() -> None:
    minutes = Settings().empty_room_dismiss_seconds / 60
    assert re.search(
        rf"stays empty for {minutes:g} minutes", section("Choices where Tencent's documentation is silent")
    )


def test_the_readme_sends_users_here_not_to_a_shared_folder() -> None:
    assert "docs/reference.md" in README
    assert "shared folder" not in README and "decisions.md" not in README
