"""The SDK's CallbackReceiver: Tencent's worked signature example, the one-minute window, typed events."""

from __future__ import annotations

import json

import pytest

from liveroom.client.webhooks import (
    CallbackReceiver,
    InvalidCallback,
    MemberStateChanged,
    OtherCallback,
    SeatInfoChanged,
    sign,
)
from liveroom.webhooks import signing

# tencent-live-api.md section 3.2.
TOKEN, REQUEST_TIME = "xxxxyyyy", 1669872112
SIGN = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
APP = 1400000000


def query(command: str, **extra: str) -> str:
    base = f"SdkAppid={APP}&CallbackCommand={command}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
    return base + "".join(f"&{k}={v}" for k, v in extra.items())


MEMBERS = {
    "CallbackCommand": "Live.CallbackAfterMemberStateChanged",
    "EventTime": REQUEST_TIME * 1000,
    "RoomId": "r",
    "EventType": "Offline",
    "EventCause": "HeartbeatInterrupt",
    "MemberList": [{"Member_Account": "a"}, {"Member_Account": "b"}],
}


def test_the_worked_example_signs_as_tencent_documents() -> None:
    assert sign(TOKEN, REQUEST_TIME) == SIGN
    assert signing.sign(TOKEN, REQUEST_TIME) == SIGN


def receiver(now: float = REQUEST_TIME) -> CallbackReceiver:
    return CallbackReceiver(sdkappid=APP, token=TOKEN, clock=lambda: now)


def test_a_signed_callback_parses_into_its_typed_event() -> None:
    q = query("Live.CallbackAfterMemberStateChanged", Sign=SIGN, RequestTime=str(REQUEST_TIME))
    event = receiver().parse(q, json.dumps(MEMBERS).encode())
    assert isinstance(event, MemberStateChanged)
    assert event.event_cause == "HeartbeatInterrupt"
    assert [m.member_account for m in event.member_list] == ["a", "b"]


@pytest.mark.parametrize(
    ("now", "ok"), [(REQUEST_TIME + 60, True), (REQUEST_TIME - 60, True), (REQUEST_TIME + 61, False)]
)
def test_request_time_must_be_within_a_minute(now: float, ok: bool) -> None:
    q = query("Live.CallbackAfterMemberStateChanged", Sign=SIGN, RequestTime=str(REQUEST_TIME))
    if ok:
        receiver(now).verify(q)
    else:
        with pytest.raises(InvalidCallback, match="RequestTime"):
            receiver(now).verify(q)


@pytest.mark.parametrize(
    ("q", "problem"),
    [
        (query("Live.CallbackAfterMemberStateChanged", Sign="0" * 64, RequestTime=str(REQUEST_TIME)), "Sign"),
        (query("Live.CallbackAfterMemberStateChanged"), "required"),
        (query("Live.CallbackAfterMemberStateChanged", Sign=SIGN, RequestTime="soon"), "required"),
        (query("Live.CallbackAfterMemberStateChanged").replace(str(APP), "1400000001"), "SdkAppid"),
        ("SdkAppid=1400000000", "CallbackCommand"),
    ],
)
def test_a_callback_that_is_not_ours_is_refused(q: str, problem: str) -> None:
    with pytest.raises(InvalidCallback, match=problem):
        receiver().parse(q, json.dumps(MEMBERS).encode())


def test_the_body_must_be_the_command_of_the_query() -> None:
    q = query("Mic.CallbackAfterSeatInfoChanged", Sign=SIGN, RequestTime=str(REQUEST_TIME))
    with pytest.raises(InvalidCallback, match="disagree"):
        receiver().parse(q, json.dumps(MEMBERS).encode())
    with pytest.raises(InvalidCallback, match="body"):
        receiver().parse(q, b"<html>")


def test_seats_free_and_taken() -> None:
    body = {
        "CallbackCommand": "Mic.CallbackAfterSeatInfoChanged",
        "EventTime": 1,
        "RoomId": "r",
        "SeatList": [{"Index": 0, "IsTakenDisabled": True}, {"Index": 1, "Member_Account": "a"}],
    }
    event = CallbackReceiver(sdkappid=APP, token=None).parse(query(body["CallbackCommand"]), json.dumps(body).encode())
    assert isinstance(event, SeatInfoChanged)
    assert [(s.index, s.member_account, s.is_taken_disabled) for s in event.seat_list] == [
        (0, None, True),
        (1, "a", False),
    ]


def test_a_command_the_sdk_does_not_know_is_answered_as_a_dict() -> None:
    body = {"CallbackCommand": "Live.CallbackAfterCreateRoomReachingThreshold", "EventTime": 7, "CurRoomCount": 7}
    event = CallbackReceiver(sdkappid=APP, token=None).parse(query(body["CallbackCommand"]), json.dumps(body).encode())
    assert event == OtherCallback("Live.CallbackAfterCreateRoomReachingThreshold", 7, body)


def test_replies() -> None:
    assert json.loads(CallbackReceiver.reply()) == {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}
    assert json.loads(CallbackReceiver.reply(allow=False, code=7, info="balance"))["ErrorCode"] == 7
