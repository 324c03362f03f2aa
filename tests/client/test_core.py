"""The I/O-free core: UserSig minting and renewal, request shape, envelope parsing, the error map."""

from __future__ import annotations

import pytest

from liveroom import usersig
from liveroom.client import LiveroomError, Retry, UnexpectedResponseError
from liveroom.client._core import Core, Endpoint
from liveroom.client.errors import (
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    error_class,
)
from liveroom.client.models import GetRoomInfoResponse, MultiImportResponse, RoomRequest
from liveroom.errors import ErrorCode
from tests.helpers import SDKAPPID, SECRET_KEY, Clock

LIVE = Endpoint("live_engine_http_srv", "get_room_info", top_level=False)
IM = Endpoint("im_open_login_svc", "multiaccount_import", top_level=True)


def test_usersig_is_valid_for_the_identifier_and_renewed_before_it_expires() -> None:
    clock = Clock(1_700_000_000)
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY, identifier="ops", usersig_ttl=1000, clock=clock)
    sig = core.usersig()
    claims = usersig.verify(sig, SDKAPPID, "ops", SECRET_KEY, now=int(clock.now))
    assert (claims.issued_at, claims.expire) == (1_700_000_000, 1000)
    clock.now += 799
    assert core.usersig() == sig
    clock.now += 1
    renewed = core.usersig()
    assert renewed != sig
    assert usersig.verify(renewed, SDKAPPID, "ops", SECRET_KEY, now=int(clock.now)).issued_at == 1_700_000_800


def test_prepare_builds_the_url_and_query() -> None:
    core = Core(base_url="http://h:8080/prefix/", sdkappid=SDKAPPID, secret_key=SECRET_KEY)
    request = core.prepare_call(LIVE, RoomRequest(room_id="r"))
    assert request.url == "http://h:8080/prefix/v4/live_engine_http_srv/get_room_info"
    assert request.params["identifier"] == "administrator"
    assert request.content == b'{"RoomId":"r"}'
    randoms = {core.prepare_call(LIVE, RoomRequest(room_id="r")).params["random"] for _ in range(20)}
    assert len(randoms) > 1
    assert all(0 <= int(r) <= 4294967295 for r in randoms)


def test_the_default_base_url_is_tencents_china_domain() -> None:
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY)
    assert core.prepare("s", "c", b"{}").url == "https://console.tim.qq.com/v4/s/c"


def test_credentials_are_checked_and_never_shown() -> None:
    with pytest.raises(ValueError, match="secret_key"):
        Core(sdkappid=SDKAPPID, secret_key="")
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY)
    assert SECRET_KEY not in repr(core)


def test_parse_live_and_im_answers_ignoring_unknown_fields() -> None:
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY)
    live = (
        b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"Id-1",'
        b'"Response":{"RoomInfo":{"RoomId":"r","RoomName":"n","Extra":1}},"Later":true}'
    )
    info = core.parse(LIVE, 200, live, GetRoomInfoResponse).room_info
    assert (info.room_id, info.room_name, info["RoomName"]) == ("r", "n", "n")
    assert info.max_seat_count == 0  # absent in the answer: the zero value
    im = b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"Id-2","FailAccounts":["x"]}'
    assert core.parse(IM, 200, im, MultiImportResponse).fail_accounts == ["x"]
    assert core.parse(LIVE, 200, b'{"ActionStatus":"OK","ErrorCode":0}', None) is None


def test_parse_failures() -> None:
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY)
    failed = b'{"ActionStatus":"FAIL","ErrorInfo":"room not found","ErrorCode":100004,"RequestId":"Id-3"}'
    with pytest.raises(NotFoundError) as caught:
        core.parse(LIVE, 200, failed, GetRoomInfoResponse)
    assert (caught.value.code, caught.value.info, caught.value.request_id) == (100004, "room not found", "Id-3")
    with pytest.raises(UnexpectedResponseError) as bad_gateway:
        core.parse(LIVE, 502, b"<html>Bad Gateway</html>", None)
    assert bad_gateway.value.status_code == 502
    assert "Bad Gateway" in bad_gateway.value.info
    wrong_type = b'{"ActionStatus":"OK","ErrorCode":0,"Response":{"RoomInfo":{"RoomId":5}}}'
    with pytest.raises(UnexpectedResponseError, match="does not match"):
        core.parse(LIVE, 200, wrong_type, GetRoomInfoResponse)


def test_retry_policy_only_60007_by_default_with_growing_capped_backoff() -> None:
    core = Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY, retry=Retry(attempts=3, backoff=1.0, max_backoff=3.0))
    limited = LiveroomError(60007, "slow down")
    delays = [core.retry_delay(limited, n) for n in range(4)]
    assert delays[3] is None
    for delay, (low, high) in zip(delays[:3], [(0.5, 1.0), (1.0, 2.0), (1.5, 3.0)], strict=True):
        assert delay is not None
        assert low <= delay <= high
    assert core.retry_delay(LiveroomError(100001, "boom"), 0) is None
    assert Core(sdkappid=SDKAPPID, secret_key=SECRET_KEY, retry=0).retry_delay(limited, 0) is None


@pytest.mark.parametrize("code", [c for c in ErrorCode if c is not ErrorCode.OK])
def test_every_code_the_server_answers_has_a_specific_class(code: ErrorCode) -> None:
    assert error_class(int(code)) is not LiveroomError


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (60007, RateLimitedError),
        (70001, AuthenticationError),
        (60010, PermissionDeniedError),
        (100004, NotFoundError),
        (70107, NotFoundError),
        (100002, InvalidParameterError),
        (70402, InvalidParameterError),
        (100003, ConflictError),
        (100001, ServerError),
        (70500, ServerError),
        (999999, LiveroomError),
    ],
)
def test_error_classes(code: int, cls: type[LiveroomError]) -> None:
    assert error_class(code) is cls


def test_retry_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        Retry(attempts=-1)


def test_to_wire_gives_wire_names_and_leaves_out_what_was_not_given() -> None:
    from liveroom.client.models import NewRoomInfo, RoomInfo

    assert NewRoomInfo(room_id="r", room_type="Live", owner_account="a").to_wire() == {
        "RoomId": "r",
        "RoomType": "Live",
        "Owner_Account": "a",
    }
    info = RoomInfo(room_id="r", cover_url="c")
    wire = info.to_wire()
    assert wire["CoverURL"] == "c"
    assert wire["ViewCount"] == 0
    assert "SeatLayoutTemplateId" not in wire  # optional and absent: None in Python, left out on the wire
    assert info.seat_layout_template_id is None
    assert RoomInfo.wire_names()["owner_account"] == "Owner_Account"
    with pytest.raises(KeyError):
        info["room_id"]  # wire names only


def test_codegen_check_passes_on_the_committed_file() -> None:
    from liveroom.client import codegen

    assert codegen.main(["--check"]) == 0
