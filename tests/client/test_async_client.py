"""``AsyncClient`` against the real app in-process: every command, every exception class from a real answer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from liveroom.api.app import LiveroomApp
from liveroom.client import (
    OPERATIONS,
    AsyncClient,
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    LiveroomError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    Retry,
    ServerError,
    UnexpectedResponseError,
)
from liveroom.client.models import AccountItem, ScoreItem
from liveroom.domain import rooms as domain_rooms
from liveroom.domain.apps import AppManager, QuotaChange
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY

BASE = "http://liveroom.test"


def recording(asgi_http: Callable[[], httpx.AsyncClient], paths: list[str]) -> httpx.AsyncClient:
    http = asgi_http()

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    http.event_hooks["request"].append(record)
    return http


async def test_every_command_of_the_registry_works_through_the_sdk(
    server: LiveroomApp, asgi_http: Callable[[], httpx.AsyncClient]
) -> None:
    paths: list[str] = []
    async with AsyncClient(BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=recording(asgi_http, paths)) as sdk:
        # accounts
        await sdk.accounts.import_("host-1", nick="Ann", face_url="https://example.com/a.png")
        many = await sdk.accounts.import_many(accounts=["guest-1", "guest-2"], account_list=[AccountItem(user_id="g3")])
        assert many.fail_accounts == []
        checked = await sdk.accounts.check(["host-1", "nobody"])
        assert [(r.user_id, r.account_status) for r in checked.result_item] == [
            ("host-1", "Imported"),
            ("nobody", "NotImported"),
        ]
        assert checked.result_item[0]["AccountStatus"] == "Imported"

        # rooms
        created = await sdk.rooms.create("live-room", owner_account="host-1", room_name="Friday show", category=[1, 2])
        assert created.room_id == "live-room"
        info = (await sdk.rooms.get_info("live-room")).room_info
        assert (info.room_name, info.owner_account, info.category, info.take_seat_mode) == (
            "Friday show",
            "host-1",
            [1, 2],
            "FreeToTake",
        )
        assert info["Owner_Account"] == "host-1"
        assert info.to_wire()["CoverURL"] == ""
        await sdk.rooms.update("live-room", room_name="Saturday show", notice="hi", is_public_visible=True)
        assert (await sdk.rooms.get_info("live-room")).room_info.room_name == "Saturday show"
        page = await sdk.rooms.list(count=5)
        assert [r.room_id for r in page.room_list] == ["live-room"]
        assert page.next == ""
        assert [r.room_id async for r in sdk.rooms.iter_list()] == ["live-room"]
        stats = await sdk.rooms.stats("live-room")
        assert stats.total_msg_count == 0

        # metadata
        await sdk.metadata.set("live-room", {"theme": "dark", "lang": "en"})
        got = await sdk.metadata.get("live-room")
        assert {p.key: p.value for p in got.metadata} == {"theme": "dark", "lang": "en"}
        await sdk.metadata.delete("live-room", ["lang"])
        got = await sdk.metadata.get("live-room", keys=["theme", "lang"])
        assert [(p.key, p.value) for p in got.metadata] == [("theme", "dark")]

        # members
        await sdk.members.modify_admins("live-room", ["guest-1"], "add")
        assert (await sdk.members.list_admins("live-room")).admin_account == ["guest-1"]
        await sdk.members.ban("live-room", ["guest-2", "g3"], 3600, reason="spam")
        banned = await sdk.members.list_banned("live-room", limit=1)
        assert len(banned.banned_account_list) == 1
        assert banned.next_offset != 0
        paged = [b.member_account async for b in sdk.members.iter_list_banned("live-room", limit=1)]
        assert sorted(paged) == ["g3", "guest-2"]  # two pages of one, following NextOffset
        await sdk.members.unban("live-room", ["guest-2", "g3"])
        await sdk.members.mute("live-room", ["guest-1"], 60)
        muted = await sdk.members.list_muted("live-room")
        assert [m.member_account for m in muted.muted_account_list] == ["guest-1"]

        # robots
        await sdk.robots.add("live-room", ["guest-2"])
        assert (await sdk.robots.get("live-room")).robot_list_account == ["guest-2"]
        await sdk.robots.delete("live-room", ["guest-2"])
        assert (await sdk.robots.get("live-room")).robot_list_account == []

        # messages
        await sdk.messages.send_text("live-room", "host-1", "hello", extension_info='{"lang":"en"}')
        await sdk.messages.send_custom("live-room", "host-1", "gift", '{"id":1}')

        # webhook configuration
        await sdk.config.set("http://127.0.0.1:9/cb", ["Live.CallbackAfterCreateRoom"])
        await sdk.config.update(callback_command_list=[])
        assert (await sdk.config.get()).url == "http://127.0.0.1:9/cb"
        await sdk.config.set_callback_token(token="t0ken", is_token_enable=False)
        assert (await sdk.config.get_callback_token()).token == "t0ken"
        await sdk.config.delete()

        # seats (members come online through the realtime gateway; here they are put in the room directly)
        await sdk.rooms.create("seat-room", is_seat_enabled=True, max_seat_count=4)
        for user in ("guest-1", "guest-2"):
            await server.services.presence.enter(SDKAPPID, "seat-room", user, capacity=1000)
        seats = (await sdk.seats.list("seat-room")).seat_list
        assert seats
        assert all(seat.member_account == "" for seat in seats)
        await sdk.seats.pick("seat-room", 1, "guest-1")
        await sdk.seats.switch("seat-room", 2, "guest-1")
        await sdk.seats.move("seat-room", 3, "guest-2", 0)
        await sdk.seats.lock("seat-room", 0, forbid_taken=True)
        taken = {s.index: s for s in (await sdk.seats.list("seat-room")).seat_list}
        assert (taken[2].member_account, taken[3].member_account, taken[0].is_taken_disabled) == (
            "guest-1",
            "guest-2",
            True,
        )
        await sdk.seats.kick("seat-room", "guest-1", "bye")
        assert {s.index: s.member_account for s in (await sdk.seats.list("seat-room")).seat_list}[2] == ""

        # the audience
        page = await sdk.members.list("seat-room")
        assert (page.member_count, page.next) == (2, "")
        assert [m.member_account async for m in sdk.members.iter_list("seat-room")] == ["guest-1", "guest-2"]
        await sdk.members.kick("seat-room", ["guest-2"])
        assert [m.member_account for m in (await sdk.members.list("seat-room")).member_list] == ["guest-1"]

        # gifts
        await sdk.gifts.copy_default_config()
        await sdk.gifts.add("star", 50, "Star", default_desc="Shine")
        await sdk.gifts.edit("star", coins=60)
        assert (await sdk.gifts.get("star")).gift_info.coins == 60
        await sdk.gifts.set_language("star", "zh-CN", "星星")
        assert (await sdk.gifts.get_language("star", "zh-CN")).language.name == "星星"
        await sdk.gifts.delete_language("star", "zh-CN")
        await sdk.gifts.add_category("new", "New")
        await sdk.gifts.edit_category("new", default_desc="Just in")
        await sdk.gifts.add_to_category("new", ["star"])
        await sdk.gifts.set_category_language("new", "zh-CN", "新品")
        assert (await sdk.gifts.get_category_language("new", "zh-CN")).language.category_name == "新品"
        await sdk.gifts.delete_category_language("new", "zh-CN")
        assert (await sdk.gifts.get_category("new")).category.gift_id_list == ["star"]
        await sdk.gifts.remove_from_category("new", ["star"])
        await sdk.gifts.delete_category("new")
        assert (await sdk.gifts.list(language="zh-CN")).total_count == 16
        await sdk.gifts.send("live-room", "star", "guest-1", ["host-1"], count=2)
        assert (await sdk.gifts.count("live-room", "guest-1")).total_coins == 120
        await sdk.gifts.delete("star")

        # battles
        await sdk.rooms.create("pk-room", owner_account="guest-2")
        battle = await sdk.battles.create("live-room", ["pk-room"], 60000, extension_info="x")
        assert [(r.room_id, r.result_code, r.result_message) for r in battle.result] == [("pk-room", 0, "")]
        scored = await sdk.battles.set_score(battle.battle_id, 2, [ScoreItem(room_id="live-room", score=30)])
        assert [r.result_code for r in scored.result] == [0]
        read = await sdk.battles.get_info(battle_id=battle.battle_id)
        assert (read.status, read.from_room_info.score, read.duration) == (2, 30, 60000)
        await sdk.rooms.destroy("pk-room")
        assert (await sdk.battles.get_info(battle_id=battle.battle_id)).status == 3

        await sdk.rooms.change_owner("live-room", "guest-1")
        assert (await sdk.rooms.get_info("live-room")).room_info.owner_account == "guest-1"
        destroyed = await sdk.rooms.destroy("live-room")
        assert destroyed.statistic.total_viewers == 0
        deleted = await sdk.accounts.delete(["g3"])
        assert [(r.user_id, r.result_code) for r in deleted.result_item] == [("g3", 0)]

        raw = await sdk.call("live_engine_http_srv", "get_room_list", {"Count": 1})
        assert raw["ErrorCode"] == 0
        assert [r["RoomId"] for r in raw["Response"]["RoomList"]] == ["seat-room"]

    assert {op.endpoint.path for op in OPERATIONS} <= set(paths), "a registry command was not exercised"


async def test_the_pager_follows_next_across_pages(aclient: AsyncClient) -> None:
    for n in range(45):
        await aclient.rooms.create(f"room-{n:02d}")
    first = await aclient.rooms.list(count=20)
    assert len(first.room_list) == 20
    assert first.next
    seen = [r.room_id async for r in aclient.rooms.iter_list(count=20)]
    assert sorted(seen) == [f"room-{n:02d}" for n in range(45)]
    assert len(set(seen)) == 45


async def test_authentication_error_for_a_wrong_secret_key(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    async with AsyncClient(BASE, sdkappid=SDKAPPID, secret_key="0" * 64, http=asgi_http()) as sdk:
        with pytest.raises(AuthenticationError) as caught:
            await sdk.rooms.get_info("r")
    assert caught.value.code == 70009
    assert caught.value.info
    assert caught.value.request_id.startswith("Id-")
    assert caught.value.request_id in str(caught.value)


async def test_unknown_app_is_an_authentication_error(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    async with AsyncClient(BASE, sdkappid=1400999999, secret_key=SECRET_KEY, http=asgi_http()) as sdk:
        with pytest.raises(AuthenticationError) as caught:
            await sdk.rooms.get_info("r")
    assert caught.value.code == 60006


async def test_permission_denied_for_an_identifier_that_is_not_admin(
    asgi_http: Callable[[], httpx.AsyncClient],
) -> None:
    async with AsyncClient(
        BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, identifier="viewer", http=asgi_http()
    ) as sdk:
        with pytest.raises(PermissionDeniedError) as caught:
            await sdk.rooms.get_info("r")
    assert caught.value.code == 60010
    assert isinstance(caught.value, AuthenticationError)


async def test_not_found(aclient: AsyncClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await aclient.rooms.get_info("no-such-room")
    assert caught.value.code == 100004
    with pytest.raises(NotFoundError) as caught:
        await aclient.rooms.create("r", owner_account="not-imported")
    assert caught.value.code == 70107


async def test_invalid_parameter_names_the_field(aclient: AsyncClient) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        await aclient.rooms.get_info("x" * 49)
    assert caught.value.code == 100002
    assert "RoomId" in caught.value.info
    with pytest.raises(InvalidParameterError) as caught:
        await aclient.accounts.check([])
    assert caught.value.code == 70402


async def test_conflict_when_the_room_exists(aclient: AsyncClient) -> None:
    await aclient.accounts.import_("host-1")
    await aclient.rooms.create("taken")
    with pytest.raises(ConflictError) as caught:
        await aclient.rooms.create("taken", owner_account="host-1")
    assert caught.value.code == 100003
    with pytest.raises(ConflictError) as caught:
        await aclient.rooms.create("taken")
    assert caught.value.code == 100010


async def test_server_error_when_the_server_fails(aclient: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    await aclient.rooms.create("r")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(domain_rooms, "room_stats", broken)
    with pytest.raises(ServerError) as caught:
        await aclient.rooms.stats("r")
    assert caught.value.code == 100001
    assert "disk" not in caught.value.info


async def test_unexpected_response_when_the_url_is_not_an_api(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    async with AsyncClient(f"{BASE}/docs", sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=asgi_http()) as sdk:
        with pytest.raises(UnexpectedResponseError) as caught:
            await sdk.rooms.get_info("r")
    assert caught.value.status_code == 404
    assert isinstance(caught.value, ServerError)


async def test_rate_limited_is_raised_when_retries_run_out(
    server: LiveroomApp, asgi_http: Callable[[], httpx.AsyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="liveroom.client")
    await AppManager(server.store).set_quota(
        SDKAPPID, QuotaChange(rate_limits_enabled=True, rate_limit_overrides={"get_room_stats": 1})
    )
    paths: list[str] = []
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    retry = Retry(attempts=2, backoff=0.01, max_backoff=0.02)
    http = recording(asgi_http, paths)
    async with AsyncClient(
        BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http, retry=retry, sleep=no_sleep
    ) as sdk:
        await sdk.rooms.create("r")
        await sdk.rooms.stats("r")
        with pytest.raises(RateLimitedError) as caught:
            await sdk.rooms.stats("r")
    assert caught.value.code == 60007
    assert paths.count("/v4/live_engine_http_srv/get_room_stats") == 1 + 1 + 2  # the ok call, the first try, 2 retries
    assert len(sleeps) == 2
    assert all(0 < s <= 0.02 for s in sleeps)
    retried = [r.getMessage() for r in caplog.records if r.name == "liveroom.client"]
    assert len(retried) == 2
    assert retried[0].startswith("v4/live_engine_http_srv/get_room_stats answered 60007 (Id-")
    assert SECRET_KEY not in " ".join(retried)


async def test_rate_limited_call_succeeds_after_backoff(
    server: LiveroomApp, asgi_http: Callable[[], httpx.AsyncClient]
) -> None:
    await AppManager(server.store).set_quota(
        SDKAPPID, QuotaChange(rate_limits_enabled=True, rate_limit_overrides={"get_room_info": 1})
    )
    paths: list[str] = []
    retry = Retry(attempts=10, backoff=0.2, max_backoff=0.5)
    async with AsyncClient(
        BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=recording(asgi_http, paths), retry=retry
    ) as sdk:
        await sdk.rooms.create("r")
        await sdk.rooms.get_info("r")
        info = await sdk.rooms.get_info("r")  # over the limit at first, answered once the window moves
    assert info.room_info.room_id == "r"
    assert paths.count("/v4/live_engine_http_srv/get_room_info") >= 3


async def test_other_failures_are_not_retried(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    paths: list[str] = []
    async with AsyncClient(BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=recording(asgi_http, paths)) as sdk:
        with pytest.raises(NotFoundError):
            await sdk.rooms.get_info("missing")
    assert paths == ["/v4/live_engine_http_srv/get_room_info"]


async def test_the_caller_may_ask_for_other_codes_to_be_retried(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    paths: list[str] = []
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    retry = Retry(attempts=3, codes=frozenset({100004}))
    http = recording(asgi_http, paths)
    async with AsyncClient(
        BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http, retry=retry, sleep=no_sleep
    ) as sdk:
        with pytest.raises(NotFoundError):
            await sdk.rooms.get_info("missing")
    assert len(paths) == 4
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2] * 2  # grows (with jitter of at most half)


async def test_an_unknown_code_raises_the_base_class() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"ActionStatus": "FAIL", "ErrorCode": 123456, "ErrorInfo": "new", "RequestId": "x"}
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http) as sdk:
        with pytest.raises(LiveroomError) as caught:
            await sdk.rooms.get_info("r")
    assert type(caught.value) is LiveroomError
    assert (caught.value.code, caught.value.info, caught.value.request_id) == (123456, "new", "x")
    await http.aclose()


async def test_the_request_carries_the_five_query_parameters(asgi_http: Callable[[], httpx.AsyncClient]) -> None:
    seen: list[httpx.Request] = []
    http = asgi_http()

    async def keep(request: httpx.Request) -> None:
        seen.append(request)

    http.event_hooks["request"].append(keep)
    async with AsyncClient(BASE, sdkappid=SDKAPPID, secret_key=SECRET_KEY, identifier=ADMIN, http=http) as sdk:
        await sdk.rooms.create("r")
        await sdk.rooms.get_info("r")
    first, second = (dict(r.url.params) for r in seen)
    assert set(first) == {"sdkappid", "identifier", "usersig", "random", "contenttype"}
    assert first["contenttype"] == "json"
    assert first["sdkappid"] == str(SDKAPPID)
    assert first["usersig"] == second["usersig"]  # minted once, reused
    assert 0 <= int(first["random"]) <= 4294967295
    assert seen[0].method == "POST"
    assert seen[0].content == b'{"RoomInfo":{"RoomId":"r","RoomType":"Live"}}'
