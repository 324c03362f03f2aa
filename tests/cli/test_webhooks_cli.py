"""``liveroom webhooks status|list-dead|redeliver|test`` and ``liveroom app quota --callback-fail-open``."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from typer.testing import CliRunner, Result

from liveroom.cli.commands import cli
from liveroom.client.webhooks import CallbackReceiver
from liveroom.store import open_store
from liveroom.store.interface import CallbackConfig
from liveroom.store.records import NewWebhookEvent

SDKAPPID = 1400000000
TOKEN = "cli-t0ken"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"LIVEROOM_DATABASE_URL": ""})


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, bytes]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, body))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def database(tmp_path: Path, receiver: ThreadingHTTPServer) -> str:
    url = f"sqlite:///{tmp_path / 'liveroom.db'}"
    created = run("app", "create", "--sdkappid", str(SDKAPPID), "--database", url)
    assert created.exit_code == 0, created.output

    async def seed() -> None:
        store = open_store(url)
        await store.open()
        try:
            async with store.write() as tx:
                config = CallbackConfig(
                    url=f"http://127.0.0.1:{receiver.server_address[1]}/cb",
                    commands=frozenset({"Live.CallbackAfterCreateRoom"}),
                    token=TOKEN,
                    token_enabled=True,
                )
                await tx.put_callback_config(SDKAPPID, config)
                for n in (1, 2):
                    event = NewWebhookEvent(
                        sdkappid=SDKAPPID,
                        room_id="r",
                        command="Live.CallbackAfterCreateRoom",
                        fact=b"x",
                        event_time=1_000 * n,
                        client_ip="",
                        platform="RESTAPI",
                    )
                    await tx.add_webhook_event(event, 0)
                await tx.fail_webhook_event(1, 9, "HTTP 503", dead=True)
        finally:
            await store.close()

    asyncio.run(seed())
    return url


def test_status_list_dead_and_redeliver(database: str) -> None:
    status = run("webhooks", "status", "--database", database, "--json")
    assert status.exit_code == 0, status.output
    (app,) = json.loads(status.stdout)
    assert app["SDKAppID"] == SDKAPPID and app["Pending"] == 1 and app["Dead"] == 1 and app["Signed"]
    assert app["CallbackCommandList"] == ["Live.CallbackAfterCreateRoom"]
    assert TOKEN not in status.stdout
    table = run("webhooks", "status", "--database", database)
    assert table.exit_code == 0 and "1400000000" in table.stdout

    dead = run("webhooks", "list-dead", "--database", database, "--json")
    assert dead.exit_code == 0, dead.output
    assert json.loads(dead.stdout) == [
        {
            "Id": 1,
            "SDKAppID": SDKAPPID,
            "RoomId": "r",
            "CallbackCommand": "Live.CallbackAfterCreateRoom",
            "EventTime": 1000,
            "Attempts": 9,
            "LastError": "HTTP 503",
        }
    ]
    redelivered = run("webhooks", "redeliver", "1", "--database", database)
    assert redelivered.exit_code == 0, redelivered.output
    again = run("webhooks", "redeliver", "1", "--database", database)
    assert again.exit_code == 1 and "not dead" in again.output
    missing = run("webhooks", "redeliver", "99", "--database", database)
    assert missing.exit_code == 1 and "no webhook event 99" in missing.output
    status = run("webhooks", "status", "--database", database, "--json")
    assert json.loads(status.stdout)[0]["Pending"] == 2


def test_test_posts_a_signed_event_and_prints_the_answer(database: str) -> None:
    result = run("webhooks", "test", str(SDKAPPID), "--database", database)
    assert result.exit_code == 0, result.output
    assert "HTTP 200" in result.stdout and '"ActionStatus":"OK"' in result.stdout
    ((path, body),) = _Recorder.seen
    query = dict(parse_qsl(urlsplit(path).query))
    assert query["CallbackCommand"] == "Live.CallbackAfterCreateRoom"
    event = CallbackReceiver(sdkappid=SDKAPPID, token=TOKEN).parse(query, body)
    assert type(event).__name__ == "RoomCreated"


def test_test_fails_when_the_receiver_fails(database: str) -> None:
    _Recorder.status = 500
    try:
        result = run("webhooks", "test", str(SDKAPPID), "--database", database)
    finally:
        _Recorder.status = 200
    assert result.exit_code == 1
    assert "HTTP 500" in result.output


def test_quota_callback_fail_open(database: str) -> None:
    on = run("app", "quota", str(SDKAPPID), "--callback-fail-open", "--database", database, "--json")
    assert on.exit_code == 0, on.output
    assert json.loads(on.stdout)["CallbackFailOpen"] is True
    off = run("app", "quota", str(SDKAPPID), "--no-callback-fail-open", "--database", database, "--json")
    assert json.loads(off.stdout)["CallbackFailOpen"] is False


def test_the_command_lines_page_limit_is_the_servers() -> None:
    from liveroom.cli import webhooks as webhooks_cli
    from liveroom.webhooks import operator

    assert webhooks_cli.DEAD_PAGE_MAX == operator.DEAD_PAGE_MAX


def test_quota_gift_battle_scores(database: str) -> None:
    shown = run("app", "quota", str(SDKAPPID), "--database", database, "--json")
    assert json.loads(shown.stdout)["GiftBattleScores"] is False
    on = run("app", "quota", str(SDKAPPID), "--gift-battle-scores", "--database", database, "--json")
    assert on.exit_code == 0, on.output
    assert json.loads(on.stdout)["GiftBattleScores"] is True
    off = run("app", "quota", str(SDKAPPID), "--no-gift-battle-scores", "--database", database, "--json")
    assert json.loads(off.stdout)["GiftBattleScores"] is False
