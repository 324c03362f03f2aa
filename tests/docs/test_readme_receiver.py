"""The README's callback receiver, served as it says, hears a real server's signed callback and refuses a forgery."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.docs.markdown import blocks
from tests.helpers import LiveClient

README = Path(__file__).parents[2] / "README.md"
TOKEN = "readme-receiver-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The README's receiver.py, served with uvicorn as the README says; (its URL, its output file)."""
    (code,) = [
        b.code for b in blocks(README) if b.section == "Receiving callbacks in Python" and b.language == "python"
    ]
    (tmp_path / "receiver.py").write_text(code)
    port = _free_port()
    output = tmp_path / "receiver.out"
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "receiver:app", "--port", str(port), "--log-level", "warning"],
            cwd=tmp_path,
            env={**os.environ, "CALLBACK_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/callback"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(url, timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, output.read_text()
                assert time.monotonic() < deadline, "the README's receiver did not start"
                time.sleep(0.1)
        yield url, output
    finally:
        process.terminate()
        process.wait(10)


async def test_the_readme_receiver_hears_a_signed_callback(receiver: tuple[str, Path], live: LiveClient) -> None:
    url, output = receiver
    await live.ok(
        "set_callback", {"Url": url, "CallbackCommandList": ["Live.CallbackAfterCreateRoom"]}, service="live_config"
    )
    await live.ok("set_callback_token", {"Token": TOKEN, "IsTokenEnable": True}, service="live_config")
    await live.create_room("receiver-room")
    deadline = time.monotonic() + 20
    while "receiver-room" not in output.read_text():
        assert time.monotonic() < deadline, output.read_text()
        await asyncio.sleep(0.05)
    printed = output.read_text()
    assert "RoomCreated" in printed or "CallbackAfterCreateRoom" in printed, printed


async def test_the_readme_receiver_refuses_a_callback_signed_with_another_token(receiver: tuple[str, Path]) -> None:
    url, _ = receiver
    now = str(int(time.time()))
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            url,
            params={"SdkAppid": "1400000000", "CallbackCommand": "Live.CallbackAfterCreateRoom", "RequestTime": now,
                    "Sign": "0" * 64, "contenttype": "json", "ClientIP": "127.0.0.1", "OptPlatform": "RESTAPI"},
            content=b"{}",
        )  # fmt: skip
    assert answer.status_code == 400
    assert "Sign" in answer.text
