"""decisions.md section 4 over HTTP: per (SDKAppID, command) call rates, per-app overrides, switching off.

The limiter's clock is frozen (and moved by hand) so "within a second" never depends on how fast the machine is.
"""

from __future__ import annotations

import types

import httpx
import limits.aio.storage.memory
import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from tests.helpers import IM, LIVE, SDKAPPID, Clock, LiveClient, envelope, tencent_sig

LIST = f"/v4/{LIVE}/get_room_list"
OTHER_APP = SDKAPPID + 1
OTHER_KEY = "0ther" * 13


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(limits.aio.storage.memory, "time", types.SimpleNamespace(time=frozen.time))
    return frozen


@pytest.fixture
async def limited(server: LiveroomApp, clock: Clock) -> AppManager:
    """The test app with its rate limits switched on."""
    manager = AppManager(server.store)
    await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=True))
    return manager


async def calls(live: LiveClient, command: str, times: int, body: object = None, *, service: str = LIVE) -> list[int]:
    codes = []
    for _ in range(times):
        data = await live.call(command, {} if body is None else body, service=service)
        codes.append(data["ErrorCode"])
    return codes


async def test_get_room_list_answers_60007_on_the_11th_call_within_a_second(
    live: LiveClient, limited: AppManager, clock: Clock
) -> None:
    assert await calls(live, "get_room_list", 10) == [0] * 10
    response = await live.http.post(LIST, params=live.query(), json={})
    data = envelope(response, 60007)
    assert "get_room_list" in data["ErrorInfo"]
    assert await calls(live, "get_room_list", 3) == [60007] * 3
    clock.advance(0.5)
    assert await calls(live, "get_room_list", 1) == [60007]
    clock.advance(0.51)
    assert await calls(live, "get_room_list", 11) == [0] * 10 + [60007]


async def test_a_command_without_a_catalogue_rate_allows_200_per_second(live: LiveClient, limited: AppManager) -> None:
    await live.create_room("r1")
    codes = await calls(live, "get_room_info", 201, {"RoomId": "r1"})
    assert codes == [0] * 200 + [60007]


async def test_the_im_family_is_limited_too(live: LiveClient, limited: AppManager) -> None:
    codes = await calls(live, "account_check", 101, {"CheckItem": [{"UserID": "u"}]}, service=IM)
    assert codes == [0] * 100 + [60007]


async def test_each_command_has_its_own_budget(live: LiveClient, limited: AppManager) -> None:
    await live.create_room("r1")
    assert await calls(live, "get_room_list", 11) == [0] * 10 + [60007]
    assert await calls(live, "get_room_info", 20, {"RoomId": "r1"}) == [0] * 20
    assert await calls(live, "get_room_stats", 20, {"RoomId": "r1"}) == [0] * 20
    assert await calls(live, "account_import", 5, {"UserID": "u1"}, service=IM) == [0] * 5
    assert await calls(live, "get_room_list", 1) == [60007]


async def test_each_app_has_its_own_budget(server: LiveroomApp, http: httpx.AsyncClient, limited: AppManager) -> None:
    await limited.create(sdkappid=OTHER_APP, secret_key=OTHER_KEY, admins=["administrator"])
    one, two = LiveClient(http), LiveClient(http, sdkappid=OTHER_APP, key=OTHER_KEY)
    assert await calls(one, "get_room_list", 11) == [0] * 10 + [60007]
    assert await calls(two, "get_room_list", 11) == [0] * 10 + [60007]


async def test_an_override_lowers_or_raises_one_command(live: LiveClient, limited: AppManager, clock: Clock) -> None:
    await live.create_room("r1")
    await limited.set_quota(SDKAPPID, QuotaChange(rate_limit_overrides={"get_room_list": 3, "get_room_info": 2}))
    assert await calls(live, "get_room_list", 4) == [0, 0, 0, 60007]
    assert await calls(live, "get_room_info", 3, {"RoomId": "r1"}) == [0, 0, 60007]
    assert await calls(live, "get_room_stats", 10, {"RoomId": "r1"}) == [0] * 10
    clock.advance(1.01)
    await limited.set_quota(SDKAPPID, QuotaChange(rate_limit_overrides={"get_room_list": 25}))
    assert await calls(live, "get_room_list", 26) == [0] * 25 + [60007]
    # Dropping the override goes back to the catalogue rate.
    clock.advance(1.01)
    await limited.set_quota(SDKAPPID, QuotaChange(rate_limit_overrides={}))
    assert await calls(live, "get_room_list", 11) == [0] * 10 + [60007]
    assert await calls(live, "get_room_info", 5, {"RoomId": "r1"}) == [0] * 5


async def test_limits_switched_off_allow_any_rate(live: LiveClient, limited: AppManager) -> None:
    assert await calls(live, "get_room_list", 11) == [0] * 10 + [60007]
    await limited.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
    assert await calls(live, "get_room_list", 30) == [0] * 30
    await limited.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=True))
    assert (await calls(live, "get_room_list", 1))[0] == 60007


async def test_the_server_fixture_starts_with_limits_off(live: LiveClient, clock: Clock) -> None:
    assert await calls(live, "get_room_list", 30) == [0] * 30


async def test_requests_rejected_by_authentication_use_no_quota(live: LiveClient, limited: AppManager) -> None:
    bad = tencent_sig(key="wr0ng-key" * 8)
    for _ in range(20):
        data = envelope(await live.http.post(LIST, params=live.query(usersig=bad), json={}), 70009)
        assert data["ErrorCode"] == 70009
    for params in (live.query(usersig=None), live.query(identifier=None), live.query(random="x")):
        for _ in range(5):
            assert (await live.http.post(LIST, params=params, json={})).json()["ErrorCode"] != 0
    assert await calls(live, "get_room_list", 11) == [0] * 10 + [60007]


async def test_a_non_admin_caller_uses_no_quota(live: LiveClient, limited: AppManager) -> None:
    for _ in range(15):
        assert (await live.call("get_room_list", {}, identifier="viewer"))["ErrorCode"] == 60010
    assert await calls(live, "get_room_list", 10) == [0] * 10
