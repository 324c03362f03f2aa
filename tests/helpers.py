"""Test helpers: a black-box caller of the /v4 API with UserSigs from Tencent's own generator."""

from __future__ import annotations

import random
import re
import sqlite3
from contextlib import closing
from typing import Any

import httpx
import TLSSigAPIv2

from liveroom.store.sqlite import path_of

SDKAPPID = 1400000000
SECRET_KEY = "5ca1ab1e" * 8
ADMIN = "administrator"
LIVE = "live_engine_http_srv"
IM = "im_open_login_svc"


class Clock:
    """A clock a test moves by hand: call it (or ``time()``) for the time; set ``now`` or ``advance``."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def tencent_sig(
    identifier: str = ADMIN, *, sdkappid: int = SDKAPPID, key: str = SECRET_KEY, expire: int = 86400
) -> str:
    """A UserSig from the PyPI package tls-sig-api-v2 (Tencent's generator), not from liveroom."""
    return str(TLSSigAPIv2.TLSSigAPIv2(sdkappid, key).gen_sig(identifier, expire))


class LiveClient:
    """Calls ``POST /v4/{service}/{command}`` the way an app backend does, and answers the parsed envelope."""

    def __init__(self, http: httpx.AsyncClient, *, sdkappid: int = SDKAPPID, key: str = SECRET_KEY) -> None:
        self.http = http
        self.sdkappid = sdkappid
        self.key = key
        self._sigs: dict[str, str] = {}

    def sig(self, identifier: str = ADMIN) -> str:
        if identifier not in self._sigs:
            self._sigs[identifier] = tencent_sig(identifier, sdkappid=self.sdkappid, key=self.key)
        return self._sigs[identifier]

    def query(self, identifier: str = ADMIN, **overrides: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "sdkappid": str(self.sdkappid),
            "identifier": identifier,
            "usersig": self.sig(identifier),
            "random": str(random.randint(0, 4294967295)),
            "contenttype": "json",
        }
        for name, value in overrides.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return params

    async def raw(
        self,
        path: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.http.request(
            method,
            path,
            params=params if params is not None else self.query(),
            content=content,
            json=json,
            headers=headers,
        )

    async def call(
        self, command: str, body: Any, *, service: str = LIVE, identifier: str = ADMIN, **query: Any
    ) -> dict[str, Any]:
        response = await self.http.post(f"/v4/{service}/{command}", params=self.query(identifier, **query), json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        assert data["RequestId"] == response.headers["x-request-id"]
        return data

    async def ok(self, command: str, body: Any, *, service: str = LIVE, **query: Any) -> dict[str, Any]:
        """Call and insist on success."""
        data = await self.call(command, body, service=service, **query)
        assert data["ErrorCode"] == 0, data
        assert data["ActionStatus"] == "OK"
        return data

    async def fails(self, code: int, command: str, body: Any, *, service: str = LIVE, **query: Any) -> str:
        """Call and insist on failure with ``code``; answers ErrorInfo."""
        data = await self.call(command, body, service=service, **query)
        assert data["ErrorCode"] == code, data
        assert data["ActionStatus"] == "FAIL"
        assert data["ErrorInfo"]
        assert "Response" not in data
        return str(data["ErrorInfo"])

    async def create_room(self, room_id: str, **fields: Any) -> dict[str, Any]:
        return await self.ok("create_room", {"RoomInfo": {"RoomId": room_id, "RoomType": "Live", **fields}})

    async def import_accounts(self, *user_ids: str) -> None:
        await self.ok("multiaccount_import", {"Accounts": list(user_ids)}, service=IM)


def db_rows(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the SQLite file, read beside the server (committed state only)."""
    with closing(sqlite3.connect(path_of(database_url))) as db:
        tables = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
        ]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def db_execute(database_url: str, sql: str, *params: Any) -> None:
    """Write to the SQLite file directly: test setup for state no API can produce yet (view counts, bans)."""
    with closing(sqlite3.connect(path_of(database_url))) as db, db:
        db.execute(sql, params)


class Guarded:
    """A LiveClient whose refusals also check that the database did not change (decisions.md section 7)."""

    def __init__(self, live: LiveClient, database_url: str) -> None:
        self.live = live
        self.database_url = database_url

    async def fails(self, code: int, command: str, body: Any, *, service: str = LIVE) -> str:
        before = db_rows(self.database_url)
        info = await self.live.fails(code, command, body, service=service)
        assert db_rows(self.database_url) == before, f"refused {command} changed the database"
        return info


REQUEST_ID = re.compile(r"^Id-[0-9a-f]{32}-O-Seq-\d+$")


def envelope(response: httpx.Response, code: int) -> dict[str, Any]:
    """Insist on HTTP 200 and the exact decisions.md section 2 envelope for ``code`` (0: success)."""
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert REQUEST_ID.fullmatch(data["RequestId"]), data
    assert data["RequestId"] == response.headers["x-request-id"]
    assert data["ErrorCode"] == code, data
    if code == 0:
        assert data["ActionStatus"] == "OK" and data["ErrorInfo"] == "", data
    else:
        assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"], data
        assert data["ActionStatus"] == "FAIL"
        assert isinstance(data["ErrorInfo"], str) and data["ErrorInfo"], data
    return data
