"""decisions.md sections 1 and 2 over HTTP: every transport code, the envelope and the RequestId."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager
from tests.helpers import ADMIN, IM, LIVE, SDKAPPID, LiveClient, envelope

LIST = f"/v4/{LIVE}/get_room_list"
MIB = 1024 * 1024


async def post(live: LiveClient, path: str = LIST, body: Any = None, **query: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps({} if body is None else body).encode()
    return await live.raw(path, content=content, params=live.query(**query))


# the envelope ----------------------------------------------------------------------------------------------


async def test_a_live_success_is_the_envelope_with_response(live: LiveClient) -> None:
    data = envelope(await post(live), 0)
    assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "Response"]
    assert data["Response"] == {"Next": "", "RoomList": []}


async def test_an_im_success_puts_its_fields_at_the_top_level(live: LiveClient) -> None:
    data = envelope(await post(live, f"/v4/{IM}/account_import", {"UserID": "viewer"}), 0)
    assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"]
    data = envelope(await post(live, f"/v4/{IM}/multiaccount_import", {"Accounts": ["a", "b"]}), 0)
    assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "FailAccounts"]
    assert data["FailAccounts"] == []


async def test_request_ids_are_unique_and_sent_as_a_header(live: LiveClient) -> None:
    ids = []
    for i in range(40):
        response = await post(live, usersig="" if i % 3 == 0 else live.sig())
        data = envelope(response, 70002 if i % 3 == 0 else 0)
        ids.append(data["RequestId"])
    for method in ("GET", "PUT"):
        ids.append(envelope(await live.raw(LIST, method=method), 60002)["RequestId"])
    ids.append(envelope(await live.raw(f"/v4/{LIVE}/nope", content=b"{}"), 60009)["RequestId"])
    assert len(set(ids)) == len(ids)


# 60002: method, random, contenttype ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_a_method_other_than_post_is_60002(live: LiveClient, method: str) -> None:
    response = await live.raw(LIST, method=method, content=b"{}" if method in {"PUT", "PATCH"} else None)
    envelope(response, 60002)


async def test_get_on_an_unknown_path_is_still_an_envelope(live: LiveClient) -> None:
    response = await live.raw(f"/v4/{LIVE}/nope", method="GET")
    code = response.json()["ErrorCode"]
    assert code in {60002, 60009}
    envelope(response, code)


@pytest.mark.parametrize(
    "random",
    [
        *(None, "", "abc", "1.5", "-1", "+1", " 1", "0x10", "4294967296", "99999999999999999999", "\uff11"),
        # More than 20 digits, of zeros too (longer than int() reads: 4,300 digits).
        *("0" * 21, "0" * 10_001, "0" * 10_000 + "1", "9" * 10_001),
    ],
)
async def test_random_missing_not_an_integer_or_out_of_range_is_60002(live: LiveClient, random: str | None) -> None:
    envelope(await post(live, random=random), 60002)


@pytest.mark.parametrize("random", ["0", "1", "4294967295", "0004294967295", "0" * 20, "0" * 10 + "4294967295"])
async def test_random_in_range_is_accepted(live: LiveClient, random: str) -> None:
    envelope(await post(live, random=random), 0)


@pytest.mark.parametrize("contenttype", [None, "", "JSON", "Json", "xml", "json ", "application/json"])
async def test_contenttype_missing_or_not_exactly_json_is_60002(live: LiveClient, contenttype: str | None) -> None:
    envelope(await post(live, contenttype=contenttype), 60002)


# 60002: body size -----------------------------------------------------------------------------------------


def padded(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes (an unknown field carrying padding)."""
    head, tail = b'{"Padding":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def test_a_body_of_exactly_one_mib_is_read(live: LiveClient) -> None:
    envelope(await post(live, body=padded(MIB)), 0)


async def test_a_body_over_one_mib_by_content_length_is_60002(live: LiveClient) -> None:
    envelope(await post(live, body=padded(MIB + 1)), 60002)


class Counted:
    """A streamed request body that records how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"Padding":"'
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"x" * self.chunk
        yield b'"}'


async def test_a_declared_content_length_over_the_limit_is_refused_before_reading(live: LiveClient) -> None:
    body = Counted(8 * MIB)
    response = await live.http.post(
        LIST, params=live.query(), content=body, headers={"Content-Length": str(8 * MIB + 14)}
    )
    envelope(response, 60002)
    assert body.sent == 0


async def test_a_chunked_body_over_the_limit_is_60002_without_reading_past_it(live: LiveClient) -> None:
    body = Counted(64 * MIB)
    response = await live.http.post(LIST, params=live.query(), content=body)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    envelope(response, 60002)
    assert body.sent <= MIB + body.chunk
    assert response.headers["connection"] == "close"


async def test_a_refusal_before_a_chunked_body_closes_the_connection(live: LiveClient) -> None:
    """The HTTP server would otherwise drain an endless body to keep the connection: the answer closes it."""
    body = Counted(64 * MIB)
    response = await live.http.post(LIST, params=live.query(usersig="garbage"), content=body)
    envelope(response, 70003)
    assert body.sent == 0
    assert response.headers["connection"] == "close"


async def test_a_refusal_of_a_small_body_keeps_the_connection(live: LiveClient) -> None:
    response = await live.raw(LIST, content=b"{}", params=live.query(usersig="garbage"))
    envelope(response, 70003)
    assert "connection" not in response.headers
    assert "connection" not in (await post(live)).headers


async def test_a_body_longer_than_its_content_length_is_cut_at_the_limit(live: LiveClient) -> None:
    body = Counted(16 * MIB)
    response = await live.http.post(LIST, params=live.query(), content=body, headers={"Content-Length": "100"})
    envelope(response, 60002)
    assert body.sent <= MIB + body.chunk


async def test_a_small_chunked_body_is_read(live: LiveClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b'{"Co', b'unt": ', b"5}"):
            yield part

    response = await live.http.post(LIST, params=live.query(), content=chunks())
    envelope(response, 0)


# 60009, 60012, 60006, 60016, 60004, 70002 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v4/no_such_service/get_room_list",
        f"/v4/{LIVE}/no_such_command",
        f"/v4/{LIVE}/Get_Room_List",
        f"/v4/{LIVE}/get_room_list/",
        f"/v4/{LIVE}",
        "/v4/",
        f"/v4/{IM}/create_room",
        f"/v4/v3/{LIVE}/get_room_list",
    ],
)
async def test_an_unknown_service_or_command_is_60009(live: LiveClient, path: str) -> None:
    envelope(await post(live, path), 60009)


async def test_sdkappid_missing_is_60012(live: LiveClient) -> None:
    envelope(await post(live, sdkappid=None), 60012)


@pytest.mark.parametrize(
    "sdkappid",
    [
        *("abc", "1400000000x", "-1400000000", "1e9", "1400000000.0", "0x5370", "\uff11\uff14\uff10\uff10000000"),
        *("99999", "1", "0", "99999999999999999999999999", str(2**64)),
    ],
)
async def test_sdkappid_not_decimal_or_unknown_is_60006(live: LiveClient, sdkappid: str) -> None:
    envelope(await post(live, sdkappid=sdkappid), 60006)


async def test_a_disabled_app_is_60016_until_enabled_again(server: LiveroomApp, live: LiveClient) -> None:
    manager = AppManager(server.store)
    await manager.set_enabled(SDKAPPID, False)
    envelope(await post(live), 60016)
    envelope(await post(live, f"/v4/{IM}/account_import", {"UserID": "u"}), 60016)
    await manager.set_enabled(SDKAPPID, True)
    envelope(await post(live), 0)


@pytest.mark.parametrize("identifier", [None, ""])
async def test_identifier_missing_or_empty_is_60004(live: LiveClient, identifier: str | None) -> None:
    envelope(await post(live, identifier=identifier), 60004)


@pytest.mark.parametrize("usersig", [None, ""])
async def test_usersig_missing_or_empty_is_70002(live: LiveClient, usersig: str | None) -> None:
    envelope(await post(live, usersig=usersig), 70002)


async def test_extra_query_parameters_are_ignored(live: LiveClient) -> None:
    params = {**live.query(), "foo": "bar", "SDKAPPID": "1", "Identifier": "x", "callback": "", "empty": ""}
    envelope(await live.raw(LIST, content=b"{}", params=params), 0)


@pytest.mark.parametrize(("first", "second", "code"), [("{app}", "1", 0), ("1", "{app}", 60006)])
async def test_a_repeated_query_parameter_counts_where_it_first_appears(
    live: LiveClient, first: str, second: str, code: int
) -> None:
    app = str(SDKAPPID)
    query = (
        f"sdkappid={first.format(app=app)}&identifier={ADMIN}&usersig={live.sig()}&random=7&contenttype=json"
        f"&sdkappid={second.format(app=app)}&random=x&contenttype=xml"
    )
    envelope(await live.http.post(f"{LIST}?{query}", content=b"{}"), code)


@pytest.mark.parametrize("name", ["identifier", "usersig"])
async def test_a_credential_that_is_not_utf8_is_60002_naming_it(live: LiveClient, name: str) -> None:
    values = {"identifier": ADMIN, "usersig": live.sig(), name: "%FF"}
    query = (
        f"sdkappid={SDKAPPID}&identifier={values['identifier']}&usersig={values['usersig']}&random=1&contenttype=json"
    )
    response = await live.http.post(f"{LIST}?{query}", content=b"{}")
    envelope(response, 60002)
    assert response.json()["ErrorInfo"] == f"{name}: not valid UTF-8"


async def test_percent_encoded_query_values_are_decoded(live: LiveClient) -> None:
    assert ADMIN == "administrator"  # spelled below with its first letter percent-encoded
    query = f"sdkappid={SDKAPPID}&identifier=%61dministrator&usersig={live.sig()}&random=%31%32&contenttype=%6Ason"
    envelope(await live.http.post(f"{LIST}?{query}", content=b"{}"), 0)


# 60003: the body is not a JSON object ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        *(b"", b"   ", b"\n", b"not json", b"{", b"{}}", b"{} {}", b"[]", b"[{}]", b"1", b"-2.5", b"null", b'"{}"'),
        *(b"true", b"\xff\xfe{}", b'{"Count": 5,}', b'{"a":' + b"[" * 200_000 + b"}"),
        # A field error early in a body that is not JSON further on: still 60003.
        *(b'{"UserID": 5, "Count": true', b'{"UserID": "u", "Count": "x"}}', b'{"Count": "5"} trailing'),
        # JSON is UTF-8: a byte that is not is refused wherever it is, in a field liveroom ignores too.
        *(b'{"Count": 5, "Unknown": "\xff"}', b'{"Unknown": {"\xc3": 1}, "Count": 5}', b'{"Next": "\xed\xa0\x80"}'),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_60003(live: LiveClient, body: bytes) -> None:
    envelope(await post(live, body=body), 60003)
    envelope(await post(live, f"/v4/{IM}/account_import", body=body), 60003)


async def test_unknown_body_fields_are_ignored(live: LiveClient) -> None:
    body = {"Count": 5, "FutureField": {"nested": [1, "two", None]}, "AnotherOne": None, "Next": ""}
    envelope(await post(live, body=body), 0)
    room = {"RoomId": "r-unknown", "RoomType": "Live", "SomethingNew": True, "Owner_Account": ADMIN}
    envelope(await post(live, f"/v4/{LIVE}/create_room", {"RoomInfo": room, "Extra": 1}), 0)
    data = envelope(await post(live, f"/v4/{LIVE}/get_room_info", {"RoomId": "r-unknown", "X": [1]}), 0)
    assert "SomethingNew" not in data["Response"]["RoomInfo"]
    envelope(await post(live, f"/v4/{IM}/account_import", {"UserID": "u1", "Tag_Profile_IM_Gender": "x"}), 0)


# 60015: account ids as JSON numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/v4/{IM}/account_import", {"UserID": 12345}, "UserID"),
        (f"/v4/{IM}/account_import", {"UserID": 1.5}, "UserID"),
        (f"/v4/{IM}/multiaccount_import", {"Accounts": ["ok", 7]}, "Accounts[1]"),
        (f"/v4/{IM}/multiaccount_import", {"AccountList": [{"UserID": 7}]}, "AccountList[0].UserID"),
        (f"/v4/{IM}/account_check", {"CheckItem": [{"UserID": 7}]}, "CheckItem[0].UserID"),
        (f"/v4/{IM}/account_delete", {"DeleteItem": [{"UserID": 7}]}, "DeleteItem[0].UserID"),
        (
            f"/v4/{LIVE}/create_room",
            {"RoomInfo": {"RoomId": "r", "RoomType": "Live", "Owner_Account": 42}},
            "RoomInfo.Owner_Account",
        ),
        (f"/v4/{LIVE}/change_room_owner", {"RoomId": "r", "NewOwner_Account": 42}, "NewOwner_Account"),
    ],
)
async def test_an_account_id_given_as_a_json_number_is_60015(
    live: LiveClient, path: str, body: dict[str, Any], field: str
) -> None:
    data = envelope(await post(live, path, body), 60015)
    assert field in data["ErrorInfo"]


# 100002 (Live) vs 70402 (IM) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (f"/v4/{LIVE}/create_room", {}, "RoomInfo: required"),
        (f"/v4/{LIVE}/create_room", {"RoomInfo": {"RoomType": "Live"}}, "RoomInfo.RoomId: required"),
        (f"/v4/{LIVE}/create_room", {"RoomInfo": {"RoomId": 7, "RoomType": "Live"}}, "RoomInfo.RoomId"),
        (f"/v4/{LIVE}/create_room", {"RoomInfo": "room"}, "RoomInfo"),
        (
            f"/v4/{LIVE}/create_room",
            {"RoomInfo": {"RoomId": "r" * 49, "RoomType": "Live"}},
            "RoomInfo.RoomId: at most 48 bytes",
        ),
        (f"/v4/{LIVE}/create_room", {"RoomInfo": {"RoomId": "r", "RoomType": "Live", "Owner_Account": True}}, "Owner"),
        (f"/v4/{LIVE}/get_room_info", {}, "RoomId: required"),
        (f"/v4/{LIVE}/get_room_info", {"RoomId": None}, "RoomId"),
        (f"/v4/{LIVE}/get_room_info", {"RoomId": ""}, "RoomId"),
        (f"/v4/{LIVE}/get_room_list", {"Count": True}, "Count"),
        (f"/v4/{LIVE}/get_room_list", {"Count": "5"}, "Count"),
        (f"/v4/{LIVE}/get_room_list", {"Count": 21}, "Count"),
        (f"/v4/{LIVE}/get_room_list", {"Count": 0}, "Count"),
    ],
)
async def test_a_live_field_missing_or_of_the_wrong_type_is_100002_naming_it(
    live: LiveClient, path: str, body: dict[str, Any], expected: str
) -> None:
    data = envelope(await post(live, path, body), 100002)
    assert expected in data["ErrorInfo"]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (f"/v4/{IM}/account_import", {}, "UserID: required"),
        (f"/v4/{IM}/account_import", {"UserID": True}, "UserID"),
        (f"/v4/{IM}/account_import", {"UserID": None}, "UserID"),
        (f"/v4/{IM}/account_import", {"UserID": ["a"]}, "UserID"),
        (f"/v4/{IM}/account_import", {"UserID": ""}, "UserID"),
        (f"/v4/{IM}/account_import", {"UserID": "u" * 33}, "UserID: at most 32 bytes"),
        (f"/v4/{IM}/account_import", {"UserID": "主" * 11}, "UserID: at most 32 bytes"),
        (f"/v4/{IM}/account_import", {"UserID": "u", "Nick": 5}, "Nick"),
        (f"/v4/{IM}/account_check", {}, "CheckItem"),
        (f"/v4/{IM}/account_check", {"CheckItem": "u"}, "CheckItem"),
        (f"/v4/{IM}/multiaccount_import", {"Accounts": "u"}, "Accounts"),
    ],
)
async def test_an_im_field_missing_or_of_the_wrong_type_is_70402_naming_it(
    live: LiveClient, path: str, body: dict[str, Any], expected: str
) -> None:
    data = envelope(await post(live, path, body), 70402)
    assert expected in data["ErrorInfo"]


async def test_a_byte_limit_counts_utf8_bytes_not_characters(live: LiveClient) -> None:
    envelope(await post(live, f"/v4/{IM}/account_import", {"UserID": "主" * 10 + "ab"}), 0)
    envelope(await post(live, f"/v4/{IM}/account_import", {"UserID": "主" * 10 + "abc"}), 70402)


async def test_every_v4_outcome_in_one_go_is_http_200(live: LiveClient) -> None:
    """A sweep of refusals the tests above check one by one: the status is always 200 and the body an envelope."""
    cases: list[tuple[str, dict[str, Any], bytes]] = [
        (LIST, live.query(random="x"), b"{}"),
        (LIST, live.query(sdkappid="x"), b"{}"),
        (LIST, live.query(usersig="garbage"), b"{}"),
        (LIST, live.query(), b"[]"),
        (f"/v4/{LIVE}/get_room_info", live.query(), b'{"RoomId":"missing"}'),
        ("/v4/x/y", live.query(), b"{}"),
    ]
    codes = []
    for path, params, body in cases:
        response = await live.raw(path, content=body, params=params)
        assert response.status_code == 200
        codes.append(response.json()["ErrorCode"])
    assert codes == [60002, 60006, 70003, 60003, 100004, 60009]


# over a real socket --------------------------------------------------------------------------------------


@pytest.fixture
async def address(server: LiveroomApp) -> AsyncIterator[tuple[str, int]]:
    """The app served by uvicorn on a free local port (its lifespan is already running in ``server``)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    web = uvicorn.Server(uvicorn.Config(server, lifespan="off", log_level="warning"))
    task = asyncio.create_task(web.serve(sockets=[sock]))
    yield sock.getsockname()
    web.should_exit = True
    await task
    sock.close()


@pytest.mark.parametrize(("usersig", "expected"), [(None, 60002), ("garbage", 70003)])
async def test_a_real_server_stops_reading_an_endless_chunked_body(
    address: tuple[str, int], live: LiveClient, usersig: str | None, expected: int
) -> None:
    params = live.query() if usersig is None else live.query(usersig=usersig)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    reader, writer = await asyncio.open_connection(*address)
    writer.write(f"POST {LIST}?{query} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    limit = 256 * MIB

    async def send_forever() -> int:
        sent = 0
        try:
            while sent < limit:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except ConnectionError:
            pass
        return sent

    sending = asyncio.create_task(send_forever())
    try:
        answer = await asyncio.wait_for(reader.read(), 30)
    except ConnectionResetError:
        # Closing with the client's data unread resets the connection, which may drop the answer on the way.
        answer = b""
    sent = await asyncio.wait_for(sending, 30)
    writer.close()
    # Socket buffers hold a few MiB; a server that kept reading would have taken all of it.
    assert sent < limit
    if answer:
        head, _, payload = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"connection: close" in head.lower()
        assert json.loads(payload)["ErrorCode"] == expected


async def test_a_real_server_answers_an_oversized_body_and_keeps_the_connection(
    address: tuple[str, int], live: LiveClient
) -> None:
    """A client that sends its whole (declared) body before reading still gets the envelope."""
    reader, writer = await asyncio.open_connection(*address)

    async def exchange(body: bytes) -> dict[str, Any]:
        query = "&".join(f"{k}={v}" for k, v in live.query().items())
        head = f"POST {LIST}?{query} HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        assert status.startswith(b"HTTP/1.1 200 ")
        length = int(next(line for line in status.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
        data: dict[str, Any] = json.loads(await reader.readexactly(length))
        return data

    assert (await exchange(padded(3 * MIB)))["ErrorCode"] == 60002
    assert (await exchange(b"{}"))["ErrorCode"] == 0
    writer.close()
