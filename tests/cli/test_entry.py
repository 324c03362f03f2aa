"""What a newcomer types first: ``liveroom --version``, ``-h`` anywhere, and ``serve --dev``'s banner, whole lines
whatever the terminal's width."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from liveroom import __version__
from tests.cli.processes import liveroom
from tests.test_server_process import clean_env, free_port, liveroom_command


def test_version() -> None:
    result = liveroom("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"liveroom {__version__}\n"
    assert __version__ == importlib.metadata.version("liveroom")


@pytest.mark.parametrize("command", [(), ("serve",), ("app",), ("app", "admins", "add"), ("rooms", "list"), ("join",)])
def test_dash_h_is_help(command: tuple[str, ...]) -> None:
    short, long = liveroom(*command, "-h"), liveroom(*command, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    assert "Usage: liveroom" in short.stdout


@pytest.mark.slow
def test_the_dev_banner_is_whole_lines_on_a_narrow_terminal(tmp_path: Path) -> None:
    port = free_port()
    with (tmp_path / "stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [*liveroom_command(), "serve", "--dev", "--port", str(port), "--no-access-log"],
            cwd=tmp_path,
            env={**clean_env(), "COLUMNS": "40"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while "curl " not in (tmp_path / "stderr").read_text() and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            time.sleep(0.05)
        lines = (tmp_path / "stderr").read_text().splitlines()
        key = next(line for line in lines if line.startswith("liveroom dev app created: ")).rsplit(" ", 1)[1]
        base = f"http://127.0.0.1:{port}"
        assert lines[:5] == [
            f"liveroom dev app created: SDKAppID 1400000000, admin 'administrator', room 'demo-room', secret key {key}",
            "for the SDK and the command line (README), paste this in another terminal:",
            f"export LIVEROOM_URL={base} LIVEROOM_SDKAPPID=1400000000 LIVEROOM_SECRET_KEY={key}",
            "read the demo room (the UserSig in this line is valid for 24 hours):",
            lines[4],
        ]
        assert lines[4].startswith(f"curl -s -X POST '{base}/v4/live_engine_http_srv/get_room_info?")
        # The dev operator's password, printed when it is made, signs in to the console.
        console = re.fullmatch(
            rf"the web console: {re.escape(base)}/console, operator 'dev', password (\S+) \(printed this once\)",
            lines[5],
        )
        assert console is not None, lines[5]
        # The export line works as pasted: the remote commands find the server and the app.
        wait_healthy(base, process)
        shell = f"{lines[2]}\n{shlex.join(liveroom_command())} rooms get demo-room --json"
        answered = subprocess.run(
            ["bash", "-c", shell], env=clean_env(), capture_output=True, text=True, timeout=60, check=False
        )
        assert answered.returncode == 0, answered.stderr
        assert json.loads(answered.stdout)["RoomId"] == "demo-room"
        signed = httpx.post(f"{base}/console/sign-in", data={"name": "dev", "password": console.group(1)})
        assert signed.status_code == 303, signed.text
    finally:
        process.kill()
        process.wait()


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer /healthz")
