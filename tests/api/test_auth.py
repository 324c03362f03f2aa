"""decisions.md section 3 over HTTP: the order of the authentication checks, the UserSig cache and the lock-out."""

from __future__ import annotations

import asyncio
import time
import types
from collections.abc import Callable

import httpx
import pytest
import TLSSigAPIv2

from liveroom import usersig
from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from tests.helpers import ADMIN, IM, LIVE, SDKAPPID, SECRET_KEY, LiveClient, envelope, tencent_sig

LIST = f"/v4/{LIVE}/get_room_list"
OTHER_APP = SDKAPPID + 1
OTHER_KEY = "0ther" * 13
NOT_ADMIN = "viewer_1"

ClientFrom = Callable[[LiveroomApp, str], httpx.AsyncClient]


async def code(
    http: httpx.AsyncClient,
    sig: str | None,
    identifier: str | None = ADMIN,
    *,
    sdkappid: int | str | None = SDKAPPID,
    path: str = LIST,
    body: bytes = b"{}",
) -> int:
    """One call with exactly these credentials; answers ErrorCode after checking the envelope."""
    params = {"sdkappid": sdkappid, "identifier": identifier, "usersig": sig, "random": "7", "contenttype": "json"}
    response = await http.post(path, params={k: str(v) for k, v in params.items() if v is not None}, content=body)
    result: int = response.json()["ErrorCode"]
    envelope(response, result)
    return result


def expired_sig(identifier: str = ADMIN, *, key: str = SECRET_KEY, sdkappid: int = SDKAPPID) -> str:
    return usersig.generate(sdkappid, key, identifier, 3600, now=int(time.time()) - 7200)


@pytest.fixture
async def other_app(server: LiveroomApp) -> int:
    await AppManager(server.store).create(sdkappid=OTHER_APP, secret_key=OTHER_KEY, admins=[ADMIN])
    await AppManager(server.store).set_quota(OTHER_APP, QuotaChange(rate_limits_enabled=False))
    return OTHER_APP


# each code --------------------------------------------------------------------------------------------------


async def test_a_tencent_sig_of_an_admin_is_accepted(http: httpx.AsyncClient) -> None:
    assert await code(http, tencent_sig()) == 0
    account_import = f"/v4/{IM}/account_import"
    assert await code(http, tencent_sig(expire=180 * 86400), path=account_import, body=b'{"UserID":"u"}') == 0


async def test_a_liveroom_generated_sig_is_accepted(http: httpx.AsyncClient) -> None:
    assert await code(http, usersig.generate(SDKAPPID, SECRET_KEY, ADMIN, 600)) == 0


@pytest.mark.parametrize(
    "sig",
    [
        "garbage",
        "eJyrVgpJLS5RsgKRSjpKBZnpSlZKpcWpRUoA",
        "not base64 !!",
        TLSSigAPIv2.base64_encode_url(b"\x78\x9c not really zlib"),
        tencent_sig()[:-8],
        tencent_sig()[:20],
    ],
)
async def test_a_sig_that_does_not_decode_is_70003(http: httpx.AsyncClient, sig: str) -> None:
    assert await code(http, sig) == 70003


async def test_a_sig_for_another_sdkappid_is_70014(http: httpx.AsyncClient) -> None:
    assert await code(http, tencent_sig(sdkappid=OTHER_APP)) == 70014


async def test_a_sig_for_another_identifier_is_70013(http: httpx.AsyncClient) -> None:
    assert await code(http, tencent_sig("someone_else")) == 70013


async def test_a_sig_made_with_another_key_is_70009(http: httpx.AsyncClient) -> None:
    assert await code(http, tencent_sig(key=OTHER_KEY)) == 70009
    assert await code(http, tencent_sig(key=SECRET_KEY.upper())) == 70009


async def test_an_expired_liveroom_sig_is_70001(http: httpx.AsyncClient) -> None:
    assert await code(http, expired_sig()) == 70001


async def test_an_expired_tencent_sig_is_70001(http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = int(time.time()) - 100
    monkeypatch.setattr(TLSSigAPIv2, "time", types.SimpleNamespace(time=lambda: issued))
    assert await code(http, tencent_sig(expire=1)) == 70001
    # Valid until time + expire inclusive, so a long enough lifetime from the same moment still passes.
    assert await code(http, tencent_sig(expire=3600)) == 0


async def test_a_valid_sig_of_an_account_that_is_not_an_admin_is_60010(live: LiveClient) -> None:
    await live.import_accounts(NOT_ADMIN)
    assert await code(live.http, tencent_sig(NOT_ADMIN), NOT_ADMIN) == 60010
    assert await code(live.http, tencent_sig(NOT_ADMIN), NOT_ADMIN, path=f"/v4/{IM}/account_import") == 60010


# the order ----------------------------------------------------------------------------------------------------


async def test_the_app_is_checked_before_the_identifier_and_the_sig(
    server: LiveroomApp, http: httpx.AsyncClient
) -> None:
    assert await code(http, None, None, sdkappid=999) == 60006
    assert await code(http, None, None, sdkappid="x") == 60006
    await AppManager(server.store).set_enabled(SDKAPPID, False)
    assert await code(http, None, None) == 60016
    assert await code(http, "garbage") == 60016


async def test_the_identifier_is_checked_before_the_sig(http: httpx.AsyncClient) -> None:
    assert await code(http, None, None) == 60004
    assert await code(http, "garbage", "") == 60004
    assert await code(http, None) == 70002
    assert await code(http, "") == 70002


async def test_decoding_comes_before_every_claim(http: httpx.AsyncClient) -> None:
    assert await code(http, "garbage", "someone_else") == 70003


async def test_the_sdkappid_claim_is_checked_first(http: httpx.AsyncClient) -> None:
    sig = usersig.generate(OTHER_APP, OTHER_KEY, "someone_else", 1, now=1)
    assert await code(http, sig) == 70014


async def test_the_identifier_claim_comes_before_the_key(http: httpx.AsyncClient) -> None:
    assert await code(http, tencent_sig("someone_else", key=OTHER_KEY)) == 70013
    assert await code(http, expired_sig("someone_else", key=OTHER_KEY)) == 70013


async def test_the_key_comes_before_expiry(http: httpx.AsyncClient) -> None:
    assert await code(http, expired_sig(key=OTHER_KEY)) == 70009


async def test_expiry_comes_before_the_admin_check(http: httpx.AsyncClient) -> None:
    assert await code(http, expired_sig(NOT_ADMIN), NOT_ADMIN) == 70001


async def test_a_rejected_request_is_not_executed(live: LiveClient) -> None:
    body = b'{"RoomInfo":{"RoomId":"never","RoomType":"Live"}}'
    assert await code(live.http, tencent_sig(key=OTHER_KEY), path=f"/v4/{LIVE}/create_room", body=body) == 70009
    assert await code(live.http, tencent_sig(NOT_ADMIN), NOT_ADMIN, path=f"/v4/{LIVE}/create_room", body=body) == 60010
    await live.fails(100004, "get_room_info", {"RoomId": "never"})


# the cache -----------------------------------------------------------------------------------------------


@pytest.fixture
def hmac_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature check liveroom makes, by identifier."""
    calls: list[str] = []
    real = usersig.signature_matches

    def counting(claims: usersig.UserSigClaims, secret_key: str) -> bool:
        calls.append(claims.identifier)
        return real(claims, secret_key)

    monkeypatch.setattr(usersig, "signature_matches", counting)
    return calls


async def test_a_sig_that_passed_is_not_verified_again(http: httpx.AsyncClient, hmac_calls: list[str]) -> None:
    sig = tencent_sig()
    for _ in range(5):
        assert await code(http, sig) == 0
    assert hmac_calls == [ADMIN]
    assert await code(http, tencent_sig(expire=7200)) == 0
    assert hmac_calls == [ADMIN, ADMIN]


async def test_a_cached_sig_is_only_good_for_its_identifier_and_app(
    http: httpx.AsyncClient, hmac_calls: list[str], other_app: int
) -> None:
    sig = tencent_sig()
    assert await code(http, sig) == 0
    assert await code(http, sig, "someone_else") == 70013
    assert await code(http, sig, sdkappid=other_app) == 70014
    assert await code(http, sig) == 0
    assert hmac_calls == [ADMIN]


async def test_a_sig_that_failed_is_checked_every_time(http: httpx.AsyncClient, hmac_calls: list[str]) -> None:
    sig = tencent_sig(key=OTHER_KEY)
    for _ in range(3):
        assert await code(http, sig) == 70009
    assert hmac_calls == [ADMIN] * 3


async def test_a_cached_sig_is_refused_once_it_expires(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, hmac_calls: list[str]
) -> None:
    now = int(time.time())
    monkeypatch.setattr(TLSSigAPIv2, "time", types.SimpleNamespace(time=lambda: now - 3600))
    sig = tencent_sig(expire=3602)  # valid for at least one more second
    assert await code(http, sig) == 0
    await asyncio.sleep(now + 3 - time.time())
    assert await code(http, sig) == 70001
    assert hmac_calls == [ADMIN, ADMIN]


async def test_a_key_rotation_takes_effect_on_the_next_request(
    server: LiveroomApp, http: httpx.AsyncClient, hmac_calls: list[str]
) -> None:
    old = tencent_sig()
    assert await code(http, old) == 0
    assert await code(http, old) == 0
    new_key = "n3w-k3y" * 8
    await AppManager(server.store).rotate_key(SDKAPPID, new_key)
    assert await code(http, old) == 70009
    assert await code(http, tencent_sig(key=new_key)) == 0
    assert await code(http, tencent_sig(key=new_key)) == 0
    assert hmac_calls == [ADMIN, ADMIN, ADMIN]


async def test_an_admin_removal_takes_effect_on_the_next_request(server: LiveroomApp, http: httpx.AsyncClient) -> None:
    manager = AppManager(server.store)
    await manager.add_admins(SDKAPPID, ["operator"])
    sig = tencent_sig("operator")
    assert await code(http, sig, "operator") == 0
    assert await code(http, sig, "operator") == 0
    await manager.remove_admins(SDKAPPID, ["operator"])
    assert await code(http, sig, "operator") == 60010
    await manager.add_admins(SDKAPPID, ["operator"])
    assert await code(http, sig, "operator") == 0
    assert await code(http, tencent_sig()) == 0


async def test_disabling_the_app_takes_effect_for_a_cached_sig(server: LiveroomApp, http: httpx.AsyncClient) -> None:
    sig = tencent_sig()
    assert await code(http, sig) == 0
    await AppManager(server.store).set_enabled(SDKAPPID, False)
    assert await code(http, sig) == 60016


# the lock-out ----------------------------------------------------------------------------------------------


async def fail(http: httpx.AsyncClient, times: int, *, sdkappid: int = SDKAPPID) -> None:
    """``times`` failed verifications of several kinds."""
    key = SECRET_KEY if sdkappid == SDKAPPID else OTHER_KEY
    bad = [
        tencent_sig(key="wr0ng-key" * 8, sdkappid=sdkappid),
        "garbage",
        tencent_sig("someone_else", sdkappid=sdkappid, key=key),
        expired_sig(sdkappid=sdkappid, key=key),
    ]
    expected = [70009, 70003, 70013, 70001]
    for i in range(times):
        assert await code(http, bad[i % 4], sdkappid=sdkappid) == expected[i % 4]


async def test_fifty_failures_in_a_minute_do_not_lock(http: httpx.AsyncClient) -> None:
    await fail(http, 50)
    assert await code(http, tencent_sig()) == 0


async def test_the_51st_failure_locks_that_address_for_that_app(
    server: LiveroomApp, http: httpx.AsyncClient, client_from: ClientFrom, other_app: int
) -> None:
    sig = tencent_sig()
    assert await code(http, sig) == 0
    await fail(http, 51)
    # Locked without checking: a valid (even cached) sig, and a bad one, both answer 70050.
    assert await code(http, sig) == 70050
    assert await code(http, tencent_sig(expire=999)) == 70050
    assert await code(http, tencent_sig(key=OTHER_KEY)) == 70050
    assert await code(http, sig, path=f"/v4/{IM}/account_import", body=b'{"UserID":"u"}') == 70050
    # Another address is unaffected, for good and bad sigs alike.
    async with client_from(server, "198.51.100.23") as elsewhere:
        assert await code(elsewhere, sig) == 0
        assert await code(elsewhere, tencent_sig(key=OTHER_KEY)) == 70009
    # Another app is unaffected from the locked address.
    assert await code(http, tencent_sig(sdkappid=other_app, key=OTHER_KEY), sdkappid=other_app) == 0
    assert await code(http, sig) == 70050


async def test_failures_against_another_app_do_not_count(http: httpx.AsyncClient, other_app: int) -> None:
    await fail(http, 30, sdkappid=other_app)
    await fail(http, 30)
    assert await code(http, tencent_sig()) == 0
    assert await code(http, tencent_sig(sdkappid=other_app, key=OTHER_KEY), sdkappid=other_app) == 0


async def test_failures_from_other_addresses_do_not_count(
    server: LiveroomApp, http: httpx.AsyncClient, client_from: ClientFrom
) -> None:
    async with client_from(server, "198.51.100.1") as one, client_from(server, "198.51.100.2") as two:
        await fail(one, 30)
        await fail(two, 30)
        await fail(http, 30)
        for client in (one, two, http):
            assert await code(client, tencent_sig()) == 0


async def test_refusals_before_verification_do_not_count(http: httpx.AsyncClient) -> None:
    for _ in range(60):
        assert await code(http, "") == 70002
        assert await code(http, tencent_sig(), "") == 60004
    assert await code(http, tencent_sig()) == 0


async def test_non_admin_refusals_do_not_count(http: httpx.AsyncClient) -> None:
    sigs = [usersig.generate(SDKAPPID, SECRET_KEY, NOT_ADMIN, 600 + i) for i in range(60)]
    for sig in sigs:
        assert await code(http, sig, NOT_ADMIN) == 60010
    assert await code(http, tencent_sig()) == 0


class TestShortLockout:
    """The same rules with a lock-out window and duration short enough to wait for."""

    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(
            database_url=database_url,
            access_log=False,
            lockout_failures=5,
            lockout_window_seconds=2.0,
            lockout_seconds=1.0,
        )

    async def test_the_lock_expires(self, http: httpx.AsyncClient) -> None:
        sig = tencent_sig()
        await fail(http, 6)
        assert await code(http, sig) == 70050
        await asyncio.sleep(1.1)
        assert await code(http, sig) == 0
        # The count started again: five more failures do not lock, a sixth does.
        await fail(http, 5)
        assert await code(http, sig) == 0
        await fail(http, 1)
        assert await code(http, sig) == 70050

    async def test_failures_older_than_the_window_do_not_count(self, http: httpx.AsyncClient) -> None:
        await fail(http, 5)
        await asyncio.sleep(2.1)
        await fail(http, 5)
        assert await code(http, tencent_sig()) == 0
