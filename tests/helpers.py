"""Test helpers: a black-box caller of the /v4 API with UserSigs from Tencent's own generator, and the few reads
and writes beside the API that tests need, the same for every backend."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import msgspec
import TLSSigAPIv2
from sqlalchemy import Connection, create_engine, select
from sqlalchemy.pool import NullPool

from liveroom.api.app import create_app
from liveroom.settings import Settings
from liveroom.store import tables
from liveroom.store.interface import Store
from tests import pg

SDKAPPID = 1400000000
SECRET_KEY = "5ca1ab1e" * 8
ADMIN = "administrator"
LIVE = "live_engine_http_srv"
IM = "im_open_login_svc"
# The backends the ``backend`` fixture (tests/conftest.py) runs tests on.
SQLITE = "sqlite"
POSTGRESQL = "postgresql"


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


@contextmanager
def connect(database_url: str) -> Iterator[Connection]:
    """A SQLAlchemy connection to a liveroom database of either backend, beside the server's own."""
    engine = create_engine(pg.sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as db:
            yield db
    finally:
        engine.dispose()


def db_rows(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every liveroom table by column name, read beside the server (committed state only)."""
    with connect(database_url) as db:
        return {
            table.name: sorted((dict(row._mapping) for row in db.execute(select(table))), key=repr)
            for table in tables.metadata.sorted_tables
        }


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


@asynccontextmanager
async def node_beside(settings: Settings) -> AsyncIterator[LiveClient]:
    """A second server on the same database, as another process or node is: a client of it."""
    app = create_app(settings)
    async with app.lifespan(app.web):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://liveroom.test") as http:
            yield LiveClient(http)


# Test setup through the store interface, for state no API writes yet. Kept here, and only here, so that a change
# of the Transaction protocol is adapted in one place.


async def rewrite_rooms(store: Store, changes: Mapping[str, Mapping[str, Any]], *, sdkappid: int = SDKAPPID) -> None:
    """Give rooms field values no API sets (``view_count``, ``create_time``, the totals: RoomRecord names).

    Each room is deleted and inserted again, changed, in one write, so that the store keeps its list order in step
    as it does for any room; rows scoped to the room (metadata, bans, seats ...) go with it, so rewrite a room
    before adding those.
    """
    async with store.write() as tx:
        for room_id, fields in changes.items():
            room = await tx.delete_room(sdkappid, room_id)
            assert room is not None, f"no room {room_id!r} to rewrite"
            assert await tx.insert_room(sdkappid, msgspec.structs.replace(room, **fields))


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
