"""``Client`` over real HTTP: uvicorn serving the app on a port, a second server on another, ``liveroom serve``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from liveroom.client import (
    OPERATIONS,
    Client,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    RateLimitedError,
    Retry,
)
from liveroom.client.models import ScoreItem
from liveroom.domain.apps import AppManager, QuotaChange
from tests.client.servers import ThreadedServer, free_port
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY


def scenario(sdk: Client, room_id: str, enter: Callable[[str, str], None] | None = None) -> None:
    """One pass over every group, the pager and the failure paths, as an app backend would run it.

    ``enter(room_id, user)`` puts a member online (what the realtime gateway does) so seats can be taken.
    """
    sdk.accounts.import_("host-1", nick="Ann")
    assert sdk.accounts.import_many(accounts=["guest-1", "guest-2"]).fail_accounts == []
    assert [r.account_status for r in sdk.accounts.check(["host-1", "ghost"]).result_item] == [
        "Imported",
        "NotImported",
    ]
    assert sdk.rooms.create(room_id, owner_account="host-1", room_name="show").room_id == room_id
    with pytest.raises(ConflictError):
        sdk.rooms.create(room_id, owner_account="guest-1")
    sdk.rooms.update(room_id, notice="welcome", category=[7])
    info = sdk.rooms.get_info(room_id).room_info
    assert (info.notice, info.category, info["RoomName"]) == ("welcome", [7], "show")
    assert [r.room_id for r in sdk.rooms.iter_list()] == [room_id]
    assert sdk.rooms.list().room_list[0].owner_account == "host-1"
    sdk.metadata.set(room_id, {"k": "v"})
    assert [(p.key, p.value) for p in sdk.metadata.get(room_id).metadata] == [("k", "v")]
    sdk.metadata.delete(room_id, ["k"])
    assert sdk.metadata.get(room_id).metadata == []
    sdk.members.modify_admins(room_id, ["guest-1"], "add")
    assert sdk.members.list_admins(room_id).admin_account == ["guest-1"]
    sdk.members.ban(room_id, ["guest-2"], 60)
    assert [b.member_account for b in sdk.members.iter_list_banned(room_id)] == ["guest-2"]
    assert sdk.members.list_banned(room_id).next_offset == 0
    sdk.members.unban(room_id, ["guest-2"])
    sdk.members.mute(room_id, ["guest-1"], 30)
    assert [m.member_account for m in sdk.members.list_muted(room_id).muted_account_list] == ["guest-1"]
    sdk.robots.add(room_id, ["guest-1"])
    assert sdk.robots.get(room_id).robot_list_account == ["guest-1"]
    sdk.robots.delete(room_id, ["guest-1"])
    sdk.messages.send_text(room_id, "host-1", "hello")
    sdk.messages.send_custom(room_id, "host-1", "poll", "{}")
    sdk.config.set("http://127.0.0.1:9/cb", ["Mic.CallbackAfterSeatInfoChanged"])
    sdk.config.update(url="http://127.0.0.1:9/other")
    assert sdk.config.get().callback_command_list == ["Mic.CallbackAfterSeatInfoChanged"]
    sdk.config.set_callback_token(token="t0ken", is_token_enable=True)
    assert sdk.config.get_callback_token().is_token_enable
    sdk.config.delete()
    assert sdk.seats.list(room_id).seat_list == []  # created without seats
    seated = room_id + "-seats"
    sdk.rooms.create(seated, is_seat_enabled=True, is_public_visible=False)
    if enter is not None:
        enter(seated, "guest-1")
        sdk.seats.pick(seated, 1, "guest-1")
        sdk.seats.switch(seated, 2, "guest-1")
        sdk.seats.move(seated, 3, "guest-1", 0)
        sdk.seats.lock(seated, 0, forbid_audio=True)
        seats = {s.index: s for s in sdk.seats.list(seated).seat_list}
        assert (seats[3].member_account, seats[0].is_audio_disabled) == ("guest-1", True)
        sdk.seats.kick(seated, "guest-1", "bye")
        assert [m.member_account for m in sdk.members.iter_list(seated)] == ["guest-1"]
    assert sdk.members.list(seated).member_count == (1 if enter is not None else 0)
    sdk.members.kick(seated, ["guest-1"])
    assert sdk.members.list(seated).member_list == []
    assert all(s.member_account == "" for s in sdk.seats.list(seated).seat_list)
    sdk.rooms.destroy(seated)
    sdk.gifts.copy_default_config()
    sdk.gifts.add("star", 50, "Star")
    sdk.gifts.edit("star", level=2)
    assert sdk.gifts.get("star").gift_info.level == 2
    sdk.gifts.set_language("star", "zh-CN", "星星")
    assert sdk.gifts.get_language("star", "zh-CN").language.name == "星星"
    sdk.gifts.delete_language("star", "zh-CN")
    sdk.gifts.add_category("new", "New")
    sdk.gifts.edit_category("new", default_name="Newest")
    sdk.gifts.add_to_category("new", ["star", "rose"])
    sdk.gifts.set_category_language("new", "zh-CN", "新品")
    assert sdk.gifts.get_category_language("new", "zh-CN").language.category_name == "新品"
    sdk.gifts.delete_category_language("new", "zh-CN")
    sdk.gifts.remove_from_category("new", ["rose"])
    assert sdk.gifts.get_category("new").category.gift_id_list == ["star"]
    sdk.gifts.delete_category("new")
    assert sdk.gifts.list().total_count == 16
    sdk.gifts.send(room_id, "star", "guest-1", ["host-1"], count=3)
    assert sdk.gifts.count(room_id, "guest-1").total_count == 3
    sdk.gifts.delete("star")
    sdk.rooms.create("pk-room", owner_account="guest-1")
    battle = sdk.battles.create(room_id, ["pk-room", "nowhere"], 60000)
    assert [r.result_code for r in battle.result] == [0, 4]
    scored = sdk.battles.set_score(battle.battle_id, "1", [ScoreItem(room_id="pk-room", score=9)])
    assert [r.result_code for r in scored.result] == [0]
    read = sdk.battles.get_info(room_id="pk-room")
    assert (read.battle_id, read.status, read.to_room_list[0].score) == (battle.battle_id, 2, 9)
    sdk.rooms.destroy("pk-room")  # one room is left: the battle ends
    assert sdk.battles.get_info(battle_id=battle.battle_id).status == 3
    sdk.rooms.change_owner(room_id, "guest-2")
    assert sdk.rooms.stats(room_id).total_viewers == 0
    assert sdk.rooms.destroy(room_id).statistic.total_gifts_sent == 3
    with pytest.raises(NotFoundError):
        sdk.rooms.get_info(room_id)
    with pytest.raises(InvalidParameterError):
        sdk.metadata.set(room_id + "x" * 48, {"k": "v"})
    assert [r.result_code for r in sdk.accounts.delete(["guest-1"]).result_item] == [0]
    assert sdk.call("live_engine_http_srv", "get_room_list", {})["Response"]["Next"] == ""


def presence(server: ThreadedServer) -> Callable[[str, str], None]:
    def enter(room_id: str, user: str) -> None:
        server.run(server.app.services.presence.enter(SDKAPPID, room_id, user, capacity=1000))

    return enter


def test_client_over_http_runs_every_command(threaded: ThreadedServer) -> None:
    paths: list[str] = []
    with (
        httpx.Client(event_hooks={"request": [lambda r: paths.append(r.url.path)]}) as http,
        Client(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY, identifier=ADMIN, http=http) as sdk,
    ):
        scenario(sdk, "live-room", presence(threaded))
    assert {op.endpoint.path for op in OPERATIONS} <= set(paths), "a registry command was not exercised"


def test_the_same_code_works_against_a_second_server_on_another_port(
    start_threaded: Callable[[str], ThreadedServer],
) -> None:
    first, second = start_threaded("first"), start_threaded("second")
    assert first.port != second.port
    with (
        Client(first.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as a,
        Client(second.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as b,
    ):
        a.rooms.create("only-on-first")
        with pytest.raises(NotFoundError):
            b.rooms.get_info("only-on-first")  # separate servers, separate data
        scenario(b, "on-second", presence(second))
        assert a.rooms.get_info("only-on-first").room_info.room_id == "only-on-first"


def test_an_injected_http_client_is_used_and_left_open(threaded: ThreadedServer) -> None:
    calls: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: calls.append(r.url.path)]}) as http:
        with Client(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http) as sdk:
            sdk.rooms.create("r")
        assert calls == ["/v4/live_engine_http_srv/create_room"]
        assert not http.is_closed


def test_sync_client_retries_60007_then_raises(threaded: ThreadedServer) -> None:
    threaded.run(
        AppManager(threaded.app.store).set_quota(
            SDKAPPID, QuotaChange(rate_limits_enabled=True, rate_limit_overrides={"get_room_list": 1})
        )
    )
    sleeps: list[float] = []
    with Client(
        threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY, retry=Retry(attempts=1), sleep=sleeps.append
    ) as sdk:
        sdk.rooms.list()
        with pytest.raises(RateLimitedError) as caught:
            sdk.rooms.list()
    assert caught.value.code == 60007
    assert len(sleeps) == 1


# a real `liveroom serve` process ----------------------------------------------------------------------------


def liveroom_command() -> list[str]:
    script = Path(sys.executable).with_name("liveroom")
    if script.exists():
        return [str(script)]
    found = shutil.which("liveroom")
    return [found] if found else [sys.executable, "-c", "from liveroom.cli import main; main()"]


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEROOM_")}
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    create = ["app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", SECRET_KEY, "--admin", ADMIN]
    created = subprocess.run(
        [*liveroom_command(), *create, "--database", database, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert json.loads(created.stdout)["SDKAppID"] == SDKAPPID
    subprocess.run(
        [*liveroom_command(), "app", "quota", str(SDKAPPID), "--no-rate-limits", "--database", database],
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [*liveroom_command(), "serve", "--port", str(port), "--database", database, "--no-access-log"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "liveroom serve did not become healthy"
            time.sleep(0.1)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
        log.close()


@pytest.mark.slow
def test_client_against_a_real_liveroom_serve_process(serve_process: str) -> None:
    with Client(serve_process, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
        scenario(sdk, "served-room")
