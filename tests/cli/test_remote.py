"""``liveroom rooms|accounts|metadata|call`` through Typer's runner against a real server on a port."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from liveroom.cli import remote
from liveroom.cli.commands import cli
from tests.client.servers import ThreadedServer, free_port
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY

Run = Callable[..., Result]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """No LIVEROOM_* of whoever runs the tests, and a home without a config file yet."""
    clean: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LIVEROOM_")}
    clean["HOME"] = str(tmp_path)
    return clean


@pytest.fixture
def run(threaded: ThreadedServer, env: dict[str, str | None]) -> Iterator[Run]:
    """Invoke ``liveroom ARGS`` with the server and credentials in the environment."""
    runner = CliRunner()
    target = {
        "LIVEROOM_URL": threaded.base_url,
        "LIVEROOM_SDKAPPID": str(SDKAPPID),
        "LIVEROOM_SECRET_KEY": SECRET_KEY,
        "LIVEROOM_IDENTIFIER": ADMIN,
    }

    def invoke(*args: str, input: str | None = None, **extra_env: str | None) -> Result:
        return runner.invoke(cli, list(args), env={**env, **target, **extra_env}, input=input)

    yield invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def test_rooms_create_get_update_list_destroy(run: Run) -> None:
    assert (
        "created room live-room"
        in ok(run("rooms", "create", "live-room", "--name", "Friday", "--category", "3")).stdout
    )
    table = ok(run("rooms", "get", "live-room")).stdout
    assert "RoomName" in table
    assert "Friday" in table
    info = as_json(run("rooms", "get", "live-room", "--json"))
    assert (info["RoomId"], info["RoomName"], info["Category"], info["Owner_Account"]) == (
        "live-room",
        "Friday",
        [3],
        ADMIN,
    )

    assert (
        "updated room live-room"
        in ok(run("rooms", "update", "live-room", "--name", "Saturday", "--notice", "hi")).stdout
    )
    info = as_json(run("rooms", "get", "live-room", "--json"))
    assert (info["RoomName"], info["Notice"]) == ("Saturday", "hi")

    listed = as_json(run("rooms", "list", "--json"))
    assert [r["RoomId"] for r in listed] == ["live-room"]
    assert "live-room" in ok(run("rooms", "list")).stdout

    destroyed = ok(run("rooms", "destroy", "live-room"))
    assert "TotalViewers" in destroyed.stdout
    gone = run("rooms", "get", "live-room")
    assert gone.exit_code == 1
    assert "100004" in gone.stderr
    assert gone.stdout == ""


def test_update_with_nothing_to_change_is_a_usage_error(run: Run) -> None:
    result = run("rooms", "update", "r")
    assert result.exit_code == 2
    assert "nothing to change" in result.stderr


def test_a_failure_prints_code_and_info_and_json_for_scripts(run: Run) -> None:
    result = run("rooms", "create", "x" * 49, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["ErrorCode"] == 100002
    assert "RoomId" in error["ErrorInfo"]
    assert error["RequestId"].startswith("Id-")
    assert "error 100002" in result.stderr


def test_listing_follows_pages_and_stops_at_the_limit(run: Run, threaded: ThreadedServer) -> None:
    for n in range(25):
        ok(run("rooms", "create", f"room-{n:02d}"))
    assert len(as_json(run("rooms", "list", "--json", "--page-size", "10"))) == 25
    assert len(as_json(run("rooms", "list", "--json", "--limit", "12", "--page-size", "5"))) == 12


def test_listing_shows_progress_on_a_terminal(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(run("rooms", "create", "a"))
    screen = io.StringIO()
    monkeypatch.setattr(remote, "err", Console(file=screen, force_terminal=True, force_interactive=True, width=100))
    ok(run("rooms", "list"))
    assert "listing rooms" in screen.getvalue()


def test_accounts_import_check_delete(run: Run) -> None:
    assert "imported 1 of 1" in ok(run("accounts", "import", "host-1", "--nick", "Ann")).stdout
    many = [f"user-{n:03d}" for n in range(150)]  # two calls of at most 100
    assert "imported 150 of 150" in ok(run("accounts", "import", *many)).stdout
    checked = as_json(run("accounts", "check", "host-1", "user-149", "ghost", "--json"))
    assert [(i["UserID"], i["AccountStatus"]) for i in checked] == [
        ("host-1", "Imported"),
        ("user-149", "Imported"),
        ("ghost", "NotImported"),
    ]
    assert "NotImported" in ok(run("accounts", "check", "ghost")).stdout
    deleted = as_json(run("accounts", "delete", "user-000", "user-001", "--json"))
    assert [(i["UserID"], i["ResultCode"]) for i in deleted] == [("user-000", 0), ("user-001", 0)]
    assert [i["AccountStatus"] for i in as_json(run("accounts", "check", "user-000", "--json"))] == ["NotImported"]


def test_accounts_import_rejects_nick_for_many(run: Run) -> None:
    result = run("accounts", "import", "a", "b", "--nick", "x")
    assert result.exit_code == 2
    assert "one UserID" in result.stderr


def test_metadata_set_get_del(run: Run) -> None:
    ok(run("rooms", "create", "r"))
    assert "set 2 keys" in ok(run("metadata", "set", "r", "theme=dark", "lang=en=GB")).stdout
    got = as_json(run("metadata", "get", "r", "--json"))
    assert {p["Key"]: p["Value"] for p in got["Metadata"]} == {"theme": "dark", "lang": "en=GB"}
    assert "dark" in ok(run("metadata", "get", "r", "theme")).stdout
    ok(run("metadata", "del", "r", "theme"))
    assert as_json(run("metadata", "get", "r", "--json"))["Metadata"] == [{"Key": "lang", "Value": "en=GB"}]
    bad = run("metadata", "set", "r", "novalue")
    assert bad.exit_code == 2
    assert "KEY=VALUE" in bad.stderr
    too_long = run("metadata", "set", "r", "k=" + "v" * 2049)
    assert too_long.exit_code == 1
    assert "100501" in too_long.stderr


def test_call_any_command(run: Run, tmp_path: Path) -> None:
    ok(run("rooms", "create", "r"))
    answer = as_json(run("call", "live_engine_http_srv", "get_room_info", "--data", '{"RoomId": "r"}'))
    assert answer["ErrorCode"] == 0
    assert answer["Response"]["RoomInfo"]["RoomId"] == "r"
    body = tmp_path / "body.json"
    body.write_text('{"RoomId": "r"}')
    assert (
        as_json(run("call", "live_engine_http_srv", "get_room_stats", "-d", f"@{body}"))["Response"]["TotalMsgCount"]
        == 0
    )
    from_stdin = as_json(run("call", "live_engine_http_srv", "get_room_metadata", "-d", "-", input='{"RoomId":"r"}'))
    assert from_stdin["Response"] == {"Metadata": []}
    unknown = run("call", "live_engine_http_srv", "no_such_command")
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout)["ErrorCode"] == 60009
    bad = run("call", "live_engine_http_srv", "get_room_info", "--data", "{not json")
    assert bad.exit_code == 2
    assert "--data" in bad.stderr


def test_credentials_from_flags(threaded: ThreadedServer, env: dict[str, str | None]) -> None:
    flags = ["--url", threaded.base_url, "--sdkappid", str(SDKAPPID), "--secret-key", SECRET_KEY]
    result = CliRunner().invoke(cli, ["rooms", "create", "by-flags", *flags, "--identifier", ADMIN], env=env)
    assert result.exit_code == 0, result.stderr
    assert "by-flags" in result.stdout


def test_credentials_from_a_profile(threaded: ThreadedServer, env: dict[str, str | None], tmp_path: Path) -> None:
    config = tmp_path / ".config" / "liveroom" / "config.toml"  # the default place, under HOME
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[staging]\nurl = "{threaded.base_url}"\nsdkappid = {SDKAPPID}\nsecret_key = "{SECRET_KEY}"\n'
        f'identifier = "{ADMIN}"\n\n[default]\nurl = "http://127.0.0.1:{free_port()}"\nsdkappid = 1\nsecret_key = "k"\n'
    )
    config.chmod(0o644)
    runner = CliRunner()
    result = runner.invoke(cli, ["rooms", "create", "via-profile", "--profile", "staging"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "chmod 600" in result.stderr
    config.chmod(0o600)
    result = runner.invoke(cli, ["rooms", "get", "via-profile", "--json"], env={**env, "LIVEROOM_PROFILE": "staging"})
    assert json.loads(result.stdout)["RoomId"] == "via-profile"
    assert result.stderr == ""
    # the environment wins over the profile
    result = runner.invoke(
        cli,
        ["rooms", "get", "via-profile", "--json", "--profile", "staging"],
        env={**env, "LIVEROOM_SECRET_KEY": "0" * 64},
    )
    assert result.exit_code == 1
    assert "70009" in result.stderr
    # no --profile: the [default] table, which points at nothing listening here
    result = runner.invoke(cli, ["rooms", "get", "x"], env=env)
    assert result.exit_code == 1
    assert "cannot reach" in result.stderr
    missing = runner.invoke(cli, ["rooms", "get", "x", "--profile", "prod"], env=env)
    assert missing.exit_code == 2
    assert "no [prod] table" in missing.stderr


def test_missing_credentials_is_a_usage_error(env: dict[str, str | None]) -> None:
    result = CliRunner().invoke(cli, ["rooms", "get", "x"], env=env)
    assert result.exit_code == 2
    assert "no SDKAppID" in result.stderr
    result = CliRunner().invoke(cli, ["rooms", "get", "x", "--sdkappid", "1"], env=env)
    assert result.exit_code == 2
    assert "no secret key" in result.stderr


def test_the_secret_key_is_never_printed(run: Run) -> None:
    result = run("rooms", "get", "missing")
    assert result.exit_code == 1
    assert SECRET_KEY not in result.stdout + result.stderr


def test_a_config_file_named_but_missing_is_an_error(env: dict[str, str | None], tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    result = CliRunner().invoke(cli, ["rooms", "list"], env={**env, "LIVEROOM_CONFIG": str(absent)})
    assert result.exit_code == 2
    assert result.stderr == f"error: LIVEROOM_CONFIG names {absent}, which does not exist\n"


def test_a_config_file_in_another_place(threaded: ThreadedServer, env: dict[str, str | None], tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text(f'[default]\nurl = "{threaded.base_url}"\nsdkappid = {SDKAPPID}\nsecret_key = "{SECRET_KEY}"\n')
    config.chmod(0o600)
    result = CliRunner().invoke(cli, ["rooms", "list", "--json"], env={**env, "LIVEROOM_CONFIG": str(config)})
    assert result.exit_code == 0, result.stderr
