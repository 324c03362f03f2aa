"""``liveroom serve`` reads X-Forwarded-For only when the operator names the proxies to trust."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liveroom.cli import cli, server
from liveroom.settings import Settings


@pytest.fixture
def uvicorn_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(server.uvicorn, "run", lambda *_args, **options: captured.update(options))
    return captured


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(None, (False, None)), ("10.0.0.1,10.0.0.2", (True, "10.0.0.1,10.0.0.2")), ("*", (True, "*"))],
)
def test_proxy_headers_only_with_trusted_proxies(
    uvicorn_options: dict[str, Any], trusted: str | None, expected: tuple[bool, str | None]
) -> None:
    server._run_uvicorn(Settings(), trusted)
    assert (uvicorn_options["proxy_headers"], uvicorn_options["forwarded_allow_ips"]) == expected


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, None),
        (["--forwarded-allow-ips", "10.0.0.1"], {}, "10.0.0.1"),
        ([], {"FORWARDED_ALLOW_IPS": "127.0.0.1"}, "127.0.0.1"),  # as docs/deploy.md sets it
        (["--forwarded-allow-ips", "10.0.0.1"], {"FORWARDED_ALLOW_IPS": "127.0.0.1"}, "10.0.0.1"),
    ],
)
def test_serve_takes_the_trusted_proxies_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], env: dict[str, str], expected: str | None
) -> None:
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve exports its settings for the workers
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setattr(server.logs, "configure", lambda *_args: None)
    passed: list[str | None] = []
    monkeypatch.setattr(server, "_run_uvicorn", lambda _settings, trusted=None: passed.append(trusted))
    result = CliRunner().invoke(cli, ["serve", "--database", f"sqlite:///{tmp_path / 'db'}", *args], env=env)
    assert result.exit_code == 0, result.output
    assert passed == [expected]
