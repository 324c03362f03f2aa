"""The SDK section of the docs runs as written, and the SDK's types hold for a user's code under mypy --strict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

from tests.client.servers import ThreadedServer
from tests.helpers import SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def sdk_snippet() -> str:
    for doc in (ROOT / "README.md", ROOT / "docs/sdk.md"):
        text = doc.read_text(encoding="utf-8") if doc.exists() else ""
        found = re.search(r"### The SDK in five lines\s+```python\n(.*?)```", text, re.S)
        if found:
            return found.group(1)
    raise AssertionError("no 'The SDK in five lines' section")


def test_the_five_sdk_lines_run_against_a_server(
    threaded: ThreadedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = sdk_snippet()
    assert len([line for line in code.splitlines() if line.strip()]) <= 7  # two imports, the with, four calls
    monkeypatch.setenv("LIVEROOM_SECRET_KEY", SECRET_KEY)
    exec(compile(code.replace("http://127.0.0.1:8080", threaded.base_url), "sdk.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["Friday show", "['sdk-room']"]


USER_CODE = """
from liveroom.client import AsyncClient, Client, NotFoundError

def rooms(client: Client) -> list[str]:
    try:
        name: str = client.rooms.get_info("r").room_info.room_name
    except NotFoundError as error:
        code: int = error.code
        return [str(code)]
    client.metadata.set("r", {"k": "v"})
    return [name] + [room.room_id for room in client.rooms.iter_list(count=5)]

async def count(client: AsyncClient) -> int:
    return len([room async for room in client.rooms.iter_list()])
"""


@pytest.mark.slow
def test_user_code_type_checks_and_mistakes_are_caught(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(USER_CODE)
    stdout, _, status = mypy_api.run(["--strict", "--no-incremental", str(good)])
    assert status == 0, stdout
    bad = tmp_path / "bad.py"
    bad.write_text(USER_CODE + "\ndef wrong(client: Client) -> None:\n    client.rooms.get_info(42)\n")
    stdout, _, status = mypy_api.run(["--strict", "--no-incremental", str(bad)])
    assert status == 1
    assert 'incompatible type "int"; expected "str"' in stdout
