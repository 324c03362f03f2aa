"""``liveroom join ROOM --as USER`` against a real server on a port: piped stdin in, the room's events out."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from liveroom.cli.commands import cli
from liveroom.client import Client
from liveroom.client.realtime import MemberLeft, TextMessage
from tests.client.servers import ThreadedServer
from tests.helpers import SDKAPPID, SECRET_KEY

ROOM = "party"
# A guard against a hung test, not a timing assertion.
WAIT = 20.0
Run = Callable[..., Result]


@pytest.fixture
def admin(threaded: ThreadedServer) -> Iterator[Client]:
    with Client(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
        for user in ("host", "alice", "bob"):
            sdk.accounts.import_(user)
        sdk.rooms.create(ROOM, owner_account="host", room_name="Friday show")
        yield sdk


@pytest.fixture
def env(threaded: ThreadedServer, tmp_path: Path) -> dict[str, str]:
    """The server and credentials in the environment; none of the LIVEROOM_* of whoever runs the tests."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVEROOM_")}
    return {
        **clean,
        "HOME": str(tmp_path),  # no config file
        "LIVEROOM_URL": threaded.base_url,
        "LIVEROOM_SDKAPPID": str(SDKAPPID),
        "LIVEROOM_SECRET_KEY": SECRET_KEY,
    }


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, input=input)

    return invoke


def test_piped_lines_become_messages_and_commands(admin: Client, run: Run) -> None:
    admin.rooms.create("stage", owner_account="host", seat_template="AudioSalon", max_seat_count=3)
    result = run("join", "stage", "--as", "alice", input="hello there\n/like 2\n/seat 1\n\n//slash\n/leave-seat\n")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("entered stage (stage, owner host) as alice: 1 online: alice")
    body = [line.split(" ", 1)[1] for line in lines[1:]]  # without the time
    assert body == [
        "alice: hello there",
        "alice liked x2",
        "alice changed the seats: 0:- 1:alice 2:-",
        "alice: /slash",
        "alice changed the seats: 0:- 1:- 2:-",
    ]
    assert all(line[:8].count(":") == 2 for line in lines[1:])  # HH:MM:SS first
    assert "left stage" in result.stderr
    info = admin.rooms.get_info("stage").room_info
    assert (info.member_count, info.view_count) == (0, 1)
    assert admin.seats.list("stage").seat_list[1].member_account == ""
    stats = admin.call("live_engine_http_srv", "get_room_stats", {"RoomId": "stage"})
    assert (stats["Response"]["TotalMsgCount"], stats["Response"]["TotalLikesReceived"]) == (2, 2)


def test_refusals_are_reported_and_the_session_goes_on(admin: Client, run: Run) -> None:
    admin.members.mute(ROOM, ["alice"], 600)
    result = run("join", ROOM, "--as", "alice", input="hello\n/seat 0\n/dance\n/like\n/quit\n/like\n")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "error 100006 (muted)" in result.stderr
    assert "error 100211 (no_seats)" in result.stderr
    assert "unknown command /dance" in result.stderr
    body = [line.split(" ", 1)[1] for line in result.stdout.splitlines()[1:]]
    assert body == ["alice liked x1"]  # /quit: the /like after it was not sent
    assert admin.call("live_engine_http_srv", "get_room_stats", {"RoomId": ROOM})["Response"]["TotalLikesReceived"] == 1


def test_failures_to_join_exit_1_with_the_reason(admin: Client, run: Run) -> None:
    missing = run("join", "nowhere", "--as", "alice", input="")
    assert missing.exit_code == 1
    assert "error 100004 (room_not_found)" in missing.stderr
    stranger = run("join", ROOM, "--as", "stranger", input="")
    assert stranger.exit_code == 1
    assert "error 70107 (auth_failed)" in stranger.stderr
    assert SECRET_KEY not in stranger.stderr + stranger.stdout


def test_usage_errors_exit_2(admin: Client, env: dict[str, str]) -> None:
    no_key = {k: v for k, v in env.items() if k != "LIVEROOM_SECRET_KEY"}
    result = CliRunner().invoke(cli, ["join", ROOM, "--as", "alice"], env=no_key, input="")
    assert result.exit_code == 2
    assert "no secret key" in result.stderr
    assert CliRunner().invoke(cli, ["join", ROOM], env=env, input="").exit_code == 2  # --as is required


def test_an_unreachable_server_exits_1(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["join", ROOM, "--as", "alice", "--url", "http://127.0.0.1:9"], env=env, input="")
    assert result.exit_code == 1
    assert "cannot join on http://127.0.0.1:9" in result.stderr


# a live session in a real process ---------------------------------------------------------------------------


class Session:
    """``liveroom join`` in a child process with a pipe on stdin, its stdout read line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from liveroom.cli import main; main()", "join", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; saw {self.seen}")

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self) -> tuple[int, str]:
        code = self.process.wait(timeout=WAIT)
        assert self.process.stderr is not None
        return code, self.process.stderr.read()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def session(env: dict[str, str]) -> Iterator[Callable[..., Session]]:
    made: list[Session] = []

    def start(*args: str) -> Session:
        made.append(Session(env, *args))
        return made[-1]

    yield start
    for s in made:
        s.kill()


@pytest.mark.slow
def test_a_live_session_shows_others_and_ends_on_a_ban(admin: Client, session: Callable[..., Session]) -> None:
    alice = session(ROOM, "--as", "alice")
    alice.wait_for("entered party")
    admin.messages.send_text(ROOM, "bob", "hi from bob")
    assert alice.wait_for("hi from bob").endswith(" bob: hi from bob")
    alice.type("hello bob")
    alice.wait_for("alice: hello bob")
    admin.rooms.update(ROOM, notice="be nice")
    assert 'administrator changed the room: Notice="be nice"' in alice.wait_for("changed the room")
    admin.members.ban(ROOM, ["alice"], 600, reason="spam")
    assert "administrator banned alice until" in alice.wait_for("banned alice")
    code, stderr = alice.finish()
    assert code == 1
    assert "you were banned from party" in stderr
    assert admin.rooms.get_info(ROOM).room_info.member_count == 0


@pytest.mark.slow
def test_ctrl_c_leaves_the_room_cleanly(admin: Client, session: Callable[..., Session]) -> None:
    import asyncio

    from liveroom.client import RealtimeClient

    async def watch() -> list[object]:
        async with RealtimeClient(admin.base_url, sdkappid=SDKAPPID, identifier="bob", secret_key=SECRET_KEY) as bob:
            await bob.enter(ROOM)
            alice = session(ROOM, "--as", "alice")
            await asyncio.to_thread(alice.wait_for, "entered party")
            await asyncio.to_thread(alice.type, "see you")
            seen: list[object] = []
            async for event in bob.events():
                if isinstance(event, TextMessage):
                    seen.append(event.text_content)
                    alice.process.send_signal(signal.SIGINT)
                elif isinstance(event, MemberLeft):
                    seen.append(event.reason)
                    break
            code, stderr = await asyncio.to_thread(alice.finish)
            seen += [code, "left party" in stderr]
            return seen

    assert asyncio.run(asyncio.wait_for(watch(), WAIT)) == ["see you", "left", 0, True]


def test_members_lists_everyone_online_the_owner_first(admin: Client, run: Run) -> None:
    result = run("join", ROOM, "--as", "alice", input="/members\n")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "1 online: alice" in result.stderr


def test_the_owner_moderates_with_commands_and_others_are_refused(admin: Client, run: Run) -> None:
    script = "/mute alice 60\n/ban bob 120\n/kick alice\n/invite alice 0\n/invite alice\n/mic-off alice\n/accept\n"
    result = run("join", ROOM, "--as", "host", input=script)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "mute alice: done" in result.stderr
    assert "ban bob: done" in result.stderr
    assert "kick alice: done" in result.stderr  # not in the room: passed over
    assert "not a number: /invite alice" in result.stderr
    assert result.stderr.count("error 100211 (no_seats)") == 2  # /invite and /mic-off in a room without seats
    assert "error 100005 (no_invitation)" in result.stderr  # /accept without an invitation
    body = [line.split(" ", 1)[1] for line in result.stdout.splitlines()[1:]]
    assert body[:2] == [f"host muted alice until {body[0].split('until ')[1]}", body[1]]
    assert body[1].startswith("host banned bob until")
    assert [b.member_account for b in admin.members.list_banned(ROOM).banned_account_list] == ["bob"]
    refused = run("join", ROOM, "--as", "alice", input="/kick host\n/cancel\n")
    assert "error 100006 (not_allowed)" in refused.stderr
    assert "error 100005 (no_application)" in refused.stderr


@pytest.mark.slow
def test_a_kick_ends_the_session_with_1(admin: Client, session: Callable[..., Session]) -> None:
    bob = session(ROOM, "--as", "bob")
    bob.wait_for("entered party")
    alice = session(ROOM, "--as", "alice")
    assert alice.wait_for("entered party").endswith("as alice: 2 online: bob, alice")
    admin.members.kick(ROOM, ["alice"])
    assert alice.wait_for("kicked").endswith("administrator kicked alice out of the room")
    code, stderr = alice.finish()
    assert code == 1
    assert "you were kicked out of party" in stderr
    assert "alice was kicked out (1 online)" in bob.wait_for("was kicked out")
    assert admin.rooms.get_info(ROOM).room_info.member_count == 1


def test_the_owner_asks_for_connections_and_battles_with_commands(admin: Client, run: Run) -> None:
    admin.accounts.import_("ann")
    admin.rooms.create("red", owner_account="ann")
    script = "/connect red nowhere\n/uncall red\n/link red\n/disconnect\n/battle 30 red\n/fight x\n"
    result = run("join", ROOM, "--as", "host", input=script)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "connect: red 5, nowhere 1" in result.stderr  # ann is not in red: retry; no such room
    assert result.stderr.count("error 100005 (no_request)") == 3  # /uncall, /link and /fight: nothing waits
    assert "error 100005 (not_connected)" in result.stderr
    assert "battle (none): red 3" in result.stderr  # not connected with red
    refused = run("join", ROOM, "--as", "alice", input="/connect red\n")
    assert "error 100006 (not_owner)" in refused.stderr
