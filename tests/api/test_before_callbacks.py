"""Before-callbacks through a real receiver: Group.CallbackBeforeSendMsg decides whether a room message is sent,
Live.CallbackBeforeSendGift whether a gift is (decisions.md section 8): allowed by ErrorCode 0, refused by any other
code, and refused on a timeout, a non-2xx status or garbage unless the app's callback_fail_open is set."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.domain.hooks import GiftToSend
from liveroom.errors import LiveError
from tests.helpers import ADMIN, SDKAPPID, LiveClient
from tests.realtime.wsclient import WSClient
from tests.receiver import Answer, Receiver

CONFIG = "live_config"
ROOM = "guarded"
TEXT = {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "buy now", "ExtensionInfo": '{"a":1}'}
REFUSE = Answer(body=b'{"ActionStatus":"FAIL","ErrorInfo":"no","ErrorCode":1}')


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture
async def guarded(live: LiveClient, receiver: Receiver) -> Receiver:
    commands = ["Group.CallbackBeforeSendMsg", "Live.CallbackBeforeSendGift"]
    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": commands}, service=CONFIG)
    await live.import_accounts("shop", "alice")
    await live.create_room(ROOM)
    return receiver


async def stats(live: LiveClient) -> int:
    return int((await live.ok("get_room_stats", {"RoomId": ROOM}))["Response"]["TotalMsgCount"])


async def test_an_allowed_message_is_asked_about_then_sent(live: LiveClient, guarded: Receiver) -> None:
    await live.ok("send_text_msg", TEXT)
    (asked,) = guarded.received
    assert asked.query["CallbackCommand"] == "Group.CallbackBeforeSendMsg"
    assert asked.query["OptPlatform"] == "RESTAPI"
    body = dict(asked.body)
    assert isinstance(body.pop("EventTime"), int)
    assert isinstance(body.pop("Random"), int)
    assert isinstance(body.pop("MsgTime"), int)
    assert body == {
        "CallbackCommand": "Group.CallbackBeforeSendMsg",
        "GroupId": ROOM,
        "Type": "Live",
        "From_Account": "shop",
        "Operator_Account": ADMIN,
        "OnlineOnlyFlag": 0,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "buy now"}}],
        "CloudCustomData": '{"a":1}',
    }
    assert await stats(live) == 1


@pytest.mark.parametrize(
    "answer",
    [REFUSE, Answer(status=500), Answer(body=b"<html>oops</html>"), Answer(body=b'{"ErrorCode":"0"}')],
    ids=["refused", "http-500", "garbage", "not-an-envelope"],
)
async def test_a_refusal_or_a_broken_answer_refuses_the_message(
    live: LiveClient, guarded: Receiver, answer: Answer
) -> None:
    guarded.script = [answer]
    info = await live.fails(10016, "send_text_msg", TEXT)
    assert "Group.CallbackBeforeSendMsg" in info
    assert await stats(live) == 0


async def test_no_answer_within_2_s_refuses(live: LiveClient, guarded: Receiver) -> None:
    guarded.script = [Answer(delay=3.0)]
    assert "2 s" in await live.fails(10016, "send_custom_msg", {**TEXT, "BusinessId": "b", "Data": "d"})


async def test_a_receiver_that_is_down_refuses(live: LiveClient, guarded: Receiver) -> None:
    await guarded.down()
    assert "cannot connect" in await live.fails(10016, "send_text_msg", TEXT)


async def test_fail_open_allows_on_failures_but_not_on_a_refusal(
    server: LiveroomApp, live: LiveClient, guarded: Receiver
) -> None:
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(callback_fail_open=True))
    guarded.script = [Answer(status=502), Answer(body=b"garbage"), REFUSE]
    await live.ok("send_text_msg", TEXT)
    await live.ok("send_text_msg", TEXT)
    await live.fails(10016, "send_text_msg", TEXT)
    assert await stats(live) == 2


async def test_a_member_s_message_is_refused_over_the_gateway(
    server: LiveroomApp, live: LiveClient, guarded: Receiver
) -> None:
    guarded.script = [REFUSE]
    async with WSClient(server) as alice:
        await alice.login("alice")
        await alice.enter(ROOM)
        answer = await alice.request("send_text", RoomId=ROOM, TextContent="hello")
        assert answer["type"] == "error" and answer["code"] == 10016, answer
        assert answer["reason"] == "refused_by_backend"
        assert guarded.received[0].query["OptPlatform"] == "Web"
        assert (await alice.request("send_text", RoomId=ROOM, TextContent="again"))["type"] == "ok"


async def test_an_unconfigured_before_callback_is_never_asked(live: LiveClient, receiver: Receiver) -> None:
    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": []}, service=CONFIG)
    await live.import_accounts("shop")
    await live.create_room(ROOM)
    await live.ok("send_text_msg", TEXT)
    assert receiver.received == []


async def test_the_gift_hook_asks_before_a_gift_and_refuses_with_102004(
    server: LiveroomApp, live: LiveClient, guarded: Receiver
) -> None:
    app = server.apps.get(SDKAPPID)
    assert app is not None
    gift = GiftToSend(
        room_id=ROOM,
        operator=ADMIN,
        sender="shop",
        receivers=("alice",),
        gift_id="rose",
        count=3,
        coins=10,
        time=1_800_000_000,
    )
    await server.services.hooks.allow_gift(app, gift)
    body = dict(guarded.received[0].body)
    assert isinstance(body.pop("EventTime"), int)
    assert body == {
        "CallbackCommand": "Live.CallbackBeforeSendGift",
        "Operator_Account": ADMIN,
        "RoomId": ROOM,
        "GiftWater": {
            "From_Account": "shop",
            "To_Account": ["alice"],
            "Time": 1_800_000_000,
            "GiftId": "rose",
            "Count": 3,
            "Coins": 10,
        },
    }
    guarded.script = [REFUSE]
    with pytest.raises(LiveError) as refused:
        await server.services.hooks.allow_gift(app, gift)
    assert refused.value.code == 102004
