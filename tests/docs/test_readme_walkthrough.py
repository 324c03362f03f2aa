"""The README, followed in order as a newcomer would: its quick start's server (``liveroom serve --dev``, run as
written in a fresh directory), then every shell and Python block of the sections after it, in one shell, with the
two things a reader supplies: the ``export`` line the server printed, pasted, and a free port instead of 8080."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.docs.markdown import ROOT, Block, blocks
from tests.test_server_process import clean_env, free_port

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
# Sections whose blocks are not a walk-through step: installing (the test runs inside the installed .venv) and the
# commands that run the test suite itself or the benchmarks.
# Sections that are not steps to run in order: the quick start (the test runs it its own way), a module to
# serve (tests/docs/test_readme_receiver.py runs it), development commands.
NOT_STEPS = {"Quick start", "Receiving callbacks in Python", "Development"}
QUICK_START = re.compile(
    r"^python3 -m venv \.venv && \.venv/bin/pip install -e '\.\[server\]' && (\.venv/bin/liveroom serve --dev) +#"
)
EXPORT = "export LIVEROOM_URL=http://127.0.0.1:8080 LIVEROOM_SDKAPPID=1400000000 LIVEROOM_SECRET_KEY=..."


def readme_blocks() -> list[Block]:
    return blocks(README)


def steps() -> list[Block]:
    return [
        block
        for block in readme_blocks()
        if block.language in {"bash", "python"} and not NOT_STEPS & set(block.headings)
    ]


@dataclass
class DevServer:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def stderr(self) -> str:
        return (self.directory / "serve.err").read_text(errors="replace")

    def banner_line(self, prefix: str) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for line in self.stderr.splitlines():
                if line.startswith(prefix):
                    return line
            assert self.process.poll() is None, self.stderr
            time.sleep(0.05)
        raise AssertionError(f"no line starting {prefix!r}:\n{self.stderr}")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"not healthy:\n{self.stderr}")


@pytest.fixture
def newcomer_directory(tmp_path: Path) -> Path:
    """A fresh directory whose ``.venv`` is the environment the tests run in (the checkout's own, installed by
    the quick start's first command), so that ``.venv/bin/...`` and ``. .venv/bin/activate`` work as written."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return tmp_path


def environment(directory: Path) -> dict[str, str]:
    env = clean_env()
    env["HOME"] = str(directory)  # no config file of whoever runs the tests
    env.pop("VIRTUAL_ENV", None)
    # As a fresh terminal has it: the test runner's venv is not on PATH (only the README's activate puts it there).
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix))
    return env


@pytest.fixture
def dev_server(newcomer_directory: Path) -> Iterator[DevServer]:
    quick_start = next(block for block in readme_blocks() if block.section == "Quick start")
    first = quick_start.code.splitlines()[0]
    match = QUICK_START.match(first)
    assert match, f"the quick start's first command changed: {first}"
    port = free_port()
    with (newcomer_directory / "serve.err").open("wb") as stderr:
        process = subprocess.Popen(
            ["bash", "-c", match.group(1)],
            cwd=newcomer_directory,
            env={**environment(newcomer_directory), "LIVEROOM_PORT": str(port), "LIVEROOM_ACCESS_LOG": "false"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = DevServer(newcomer_directory, port, process)
    try:
        yield server
    finally:
        os.killpg(process.pid, 9)
        process.wait()


def script(server: DevServer) -> str:
    """The README's steps as one shell script, as a reader types them."""
    pasted = server.banner_line("export LIVEROOM_URL=")
    assert (
        re.sub(r"LIVEROOM_SECRET_KEY=\S+", "LIVEROOM_SECRET_KEY=...", pasted).replace(f":{server.port}", ":8080")
        == EXPORT
    ), "the README's export line no longer matches what serve --dev prints"
    parts = ["set -euo pipefail"]
    for block in steps():
        code = block.code
        if block.language == "python":
            code = f"python - <<'PYTHON'\n{code}PYTHON\n"
        elif EXPORT in code:
            code = code.replace(EXPORT, pasted)
        parts.append(f"echo {shlex.quote('### ' + block.section)}\n{code}")
    return "\n".join(parts).replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")


def test_the_readme_runs_in_order(dev_server: DevServer) -> None:
    dev_server.wait_healthy()
    sections = [block.section for block in steps()]
    for expected in ("A walk-through with curl", "Python SDK and command line", "The SDK in five lines"):
        assert expected in sections, sections
    assert "The command line in five lines" in sections and "Watch a room live" in sections

    result = subprocess.run(
        ["bash", "-c", script(dev_server)],
        cwd=dev_server.directory,
        env=environment(dev_server.directory),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, f"stdout:\n{output}\nstderr:\n{result.stderr}"
    assert '"ActionStatus":"FAIL"' not in output and "ConflictError" not in result.stderr, output

    walk, rest = output.split("### Gifts\n")
    gifts, rest = rest.split("### Battles\n")
    battles, sdk_and_cli = rest.split("### Python SDK and command line\n")
    answers = [json.loads(line) for line in walk.splitlines() if line.startswith("{")]
    assert [answer["ErrorCode"] for answer in answers] == [0, 0, 0], answers
    documented = readme_json_answer()
    room = answers[2]["Response"]["RoomInfo"]
    assert room == {**documented, "CreateTime": room["CreateTime"]}
    gift_answers = [json.loads(line) for line in gifts.splitlines() if line.startswith("{")]
    assert [answer["ErrorCode"] for answer in gift_answers] == [0, 0, 0], gift_answers
    # The totals the README shows after its send_gift: three roses of 5 coins from one sender.
    assert gift_answers[2]["Response"] == {"Sequence": 1, "TotalCount": 3, "TotalCoins": 15, "GiftSenderCount": 1}
    battle_answers = [json.loads(line) for line in battles.splitlines() if line.startswith("{")]
    assert [answer["ErrorCode"] for answer in battle_answers] == [0, 0, 0, 0], battle_answers
    assert battle_answers[2]["Response"]["Result"] == [{"RoomId": "curl-room", "ResultCode": 0}]
    battle = battle_answers[3]["Response"]
    assert (battle["Status"], battle["Duration"], battle["EndTime"] - battle["StartTime"]) == (2, 60000, 60)
    assert battle["FromRoomInfo"] == {"RoomId": "curl-room", "Score": 10, "Owner_Account": "host-1"}
    assert battle["ToRoomList"] == [{"RoomId": "curl-room-2", "Score": 0, "Owner_Account": "host-2"}]

    sdk = sdk_and_cli.split("### The SDK in five lines\n")[1].split("### The command line in five lines\n")[0]
    assert sdk.splitlines()[0] == "Friday show"
    assert "'sdk-room'" in sdk.splitlines()[1] and "'curl-room'" in sdk.splitlines()[1]
    assert "cli-room" in sdk_and_cli.split("### The command line in five lines\n")[1]


def readme_json_answer() -> dict[str, object]:
    """The get_room_info answer the walk-through shows."""
    shown = next(block for block in readme_blocks() if block.language == "json")
    room: dict[str, object] = json.loads(shown.code)["Response"]["RoomInfo"]
    return room
