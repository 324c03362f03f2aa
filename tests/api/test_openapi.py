"""/openapi.json, /docs and /healthz, and schemathesis driving every operation of the document.

schemathesis generates requests from the document (valid and invalid bodies); the query string carries a valid
Tencent UserSig so the requests reach the handlers. Whatever the body, the answer must be HTTP 200 with the
envelope of decisions.md section 2 and never an internal error.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liveroom.api import openapi
from liveroom.api.app import LiveroomApp, create_app
from liveroom.api.commands import REGISTRY
from liveroom.domain import accounts, rooms
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode
from liveroom.settings import Settings
from liveroom.store import migrate, open_store
from tests import pg
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, SQLITE, connect, db_rows, tencent_sig

REQUEST_ID = re.compile(r"^Id-[0-9a-f]{32}-O-Seq-[0-9]+$")
INTERNAL = {int(ErrorCode.LIVE_INTERNAL), int(ErrorCode.IM_INTERNAL)}


# the document -------------------------------------------------------------------------------------------------


async def test_openapi_lists_every_registered_command(http: httpx.AsyncClient) -> None:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {c.path for c in REGISTRY}
    components = document["components"]["schemas"]
    for c in REGISTRY:
        operation = document["paths"][c.path]["post"]
        assert operation["operationId"] == f"{c.service}.{c.name}"
        assert {p["name"] for p in operation["parameters"] if p["required"]} == {
            "sdkappid",
            "identifier",
            "usersig",
            "random",
            "contenttype",
        }
        request = operation["requestBody"]["content"]["application/json"]["schema"]
        assert request == {"$ref": f"#/components/schemas/{c.request.__name__}"}
        assert c.request.__name__ in components
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        success, failure = answer["oneOf"]
        assert failure == {"$ref": "#/components/schemas/ErrorEnvelope"}, c.path
        assert "OK" in str(success), c.path
        codes = operation["x-error-codes"]
        assert codes == sorted(codes) and all(isinstance(code, int) for code in codes)
        assert set(codes) == {int(code) for code in c.all_errors}
        assert int(c.family.invalid_parameter) in codes
        assert int(ErrorCode.SDKAPPID_INVALID) in codes
        if c.response is not None:
            assert c.response.__name__ in str(success), c.path
    assert document == openapi.build(REGISTRY)


async def test_openapi_is_a_valid_openapi_document(http: httpx.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {c.path for c in REGISTRY}


async def test_docs_page_is_the_viewer_of_the_document_shipped_in_the_package(http: httpx.AsyncClient) -> None:
    response = await http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # Offline: every file and link of the page is this server's, and every one is served.
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert "/static/console/vendor/swagger-ui-bundle.js" in assets
    assert "/static/console/docs.js" in assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
    for asset in assets:
        assert (await http.get(asset)).status_code == 200, asset
    assert '"/openapi.json"' in (await http.get("/static/console/docs.js")).text


async def test_healthz(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# schemathesis -----------------------------------------------------------------------------------------------


# Examples per operation in the fuzzing phase; raise it for a deeper run (FUZZ_EXAMPLES=1000 pytest ...).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ROOMS = [f"fuzz-{i}" for i in range(4)]
DOOMED = [f"doomed-{i}" for i in range(4)]
ACCOUNTS = [ADMIN, *(f"member{i}" for i in range(4))]
VALID_VALUES: dict[str, list[Any]] = {
    "MaxMemberCount": [1, 1000],
    "MaxSeatCount": [1, 16],
    "TakeSeatMode": ["FreeToTake", "ApplyToTake", 2],
    "Duration": [1, 3600],
    "Count": [1, 20],
    "OpType": ["add", "delete"],
}


@pytest.fixture(scope="module")
def fuzzed_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for the fuzzing, which outlives the tests that empty the session's schema."""
    if backend == SQLITE:
        yield f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'liveroom.db'}"
    else:
        with pg.fresh_schema() as url:
            yield url


@pytest.fixture(scope="module")
def fuzzed_app(fuzzed_database: str) -> Iterator[LiveroomApp]:
    """One app for the whole module (schemathesis keeps its lifespan running), with the test app, no limits."""
    database_url = fuzzed_database

    async def prepare() -> None:
        store = open_store(database_url)
        await store.open()
        try:
            manager = AppManager(store)
            await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
            await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
            app = await manager.get(SDKAPPID)
            caller = Caller(app, ADMIN)
            services = Services(store=store)
            await accounts.import_accounts(services, caller, [accounts.AccountInput(a) for a in ACCOUNTS])
            for room_id in ROOMS + DOOMED:
                await rooms.create_room(services, caller, rooms.NewRoom(room_id=room_id, room_type="Live"))
        finally:
            await store.close()

    asyncio.run(prepare())
    yield create_app(Settings(database_url=database_url, access_log=False))


# The document is built from the registry at import, with no I/O; the requests go to ``fuzzed_app``. (Loading it
# lazily from a fixture, schemathesis.pytest.from_fixture, fails on pytest 9: it renames nodes through a private
# attribute that is gone.)
schema = schemathesis.openapi.from_dict(openapi.build(REGISTRY))

_SIG = tencent_sig(ADMIN)


def auth_query() -> dict[str, str]:
    return {
        "sdkappid": str(SDKAPPID),
        "identifier": ADMIN,
        "usersig": _SIG,
        "random": str(random.randint(0, 4294967295)),
        "contenttype": "json",
    }


def steer(value: Any, room_ids: list[str], key: str = "") -> Any:
    """Point some generated values at rooms and accounts that exist and into valid ranges, so that requests
    get past 100004, 70107 and the first range check and reach the rules behind them.

    ``random`` is seeded by hypothesis for each example, so a failing example replays the same way.
    """
    if isinstance(value, dict):
        return {k: steer(v, room_ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [steer(v, room_ids, key) for v in value]
    if random.random() < 0.3:
        return value
    if key in VALID_VALUES:
        return random.choice(VALID_VALUES[key])
    if not isinstance(value, str):
        return value
    if key == "RoomId":
        return random.choice(room_ids)
    if key == "RoomType":
        return "Live"
    if key.endswith("_Account") or key in {"UserID", "Accounts"}:
        return random.choice(ACCOUNTS)
    return value


def room_pool(path: str) -> list[str]:
    """destroy_room only ever destroys rooms the other operations do not need; create_room makes both kinds."""
    if path.endswith("/destroy_room"):
        return DOOMED
    if path.endswith("/create_room"):
        return ROOMS + DOOMED
    return ROOMS


def check_envelope(response: Any, path: str) -> dict[str, Any]:
    assert response.status_code == 200, (path, response.status_code, response.text)
    data = response.json()
    assert isinstance(data, dict), data
    assert data["ActionStatus"] in {"OK", "FAIL"}, data
    assert type(data["ErrorCode"]) is int, data
    assert isinstance(data["ErrorInfo"], str), data
    assert REQUEST_ID.fullmatch(data["RequestId"]), data
    assert response.headers["x-request-id"] == [data["RequestId"]]  # schemathesis lists every header's values
    assert data["ErrorCode"] not in INTERNAL, (path, data)
    if data["ErrorCode"] == 0:
        assert (data["ActionStatus"], data["ErrorInfo"]) == ("OK", ""), data
    else:
        assert data["ActionStatus"] == "FAIL" and data["ErrorInfo"], data
        assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"], data
    return data


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_the_envelope(case: Any, fuzzed_app: LiveroomApp) -> None:
    case.query = auth_query()
    case.body = steer(case.body, room_pool(case.path))
    response = case.call(app=fuzzed_app)
    check_envelope(response, case.path)
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )


def test_the_database_is_consistent_after_the_fuzzing(fuzzed_app: LiveroomApp, backend: str) -> None:
    """Runs after the fuzzing (file order): whatever was answered, the database is sound and the list's sort keys
    still mirror ViewCount and CreateTime in every room."""
    url = fuzzed_app.settings.database_url
    assert migrate.current(url) == migrate.head()
    if backend == SQLITE:  # the file's own check; PostgreSQL has no counterpart short of an extension
        with connect(url) as db:
            assert db.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
    rooms_left = db_rows(url)["rooms"]
    skewed = [
        room["room_id"]
        for room in rooms_left
        if room["sort_views"] != -room["view_count"] or room["sort_created"] != -room["create_time"]
    ]
    assert len(rooms_left) >= len(ROOMS)
    assert skewed == []
