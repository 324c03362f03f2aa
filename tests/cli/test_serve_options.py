"""``liveroom serve`` reads X-Forwarded-For only when the operator names the proxies to trust."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from liveroom.cli import server
from liveroom.cli.commands import cli
from liveroom.settings import Settings
from tests.client.servers import free_port
from tests.redis import service


@pytest.fixture
def uvicorn_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **options: captured.update(options))
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


def test_realtime_connections_get_no_protocol_pings_the_heartbeat_is_the_keepalive(
    uvicorn_options: dict[str, Any],
) -> None:
    server._run_uvicorn(Settings(), None)
    assert uvicorn_options["ws_ping_interval"] is None


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
    result = CliRunner().invoke(
        cli, ["serve", "--port", str(free_port()), "--database", f"sqlite:///{tmp_path / 'db'}", *args], env=env
    )
    assert result.exit_code == 0, result.output
    assert passed == [expected]


def test_serve_with_workers_removes_the_metrics_directories_of_serve_processes_killed_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`serve --workers N` shares metrics through a directory it removes on exit; a supervisor killed with -9 leaves
    its directory behind, and the next `serve` removes those of processes that are gone, and only those."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    stale = tmp_path / f"{server.METRICS_DIR_PREFIX}{int(gone.stdout)}-abc"
    alive = tmp_path / f"{server.METRICS_DIR_PREFIX}{os.getpid()}-def"
    foreign = tmp_path / f"{server.METRICS_DIR_PREFIX}notapid-ghi"
    for directory in (stale, alive, foreign):
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"x")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(server.logs, "configure", lambda *_args: None)
    seen: list[str] = []
    monkeypatch.setattr(
        server, "_run_uvicorn", lambda _settings, _trusted=None: seen.append(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    )
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            *("--workers", "2", "--redis", service.server_url()),
            *("--port", str(free_port()), "--database", f"sqlite:///{tmp_path / 'db'}"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert alive.exists() and foreign.exists()
    # Its own directory was named after it and removed on exit.
    assert len(seen) == 1 and Path(seen[0]).name.startswith(f"{server.METRICS_DIR_PREFIX}{os.getpid()}-")
    assert not Path(seen[0]).exists()
