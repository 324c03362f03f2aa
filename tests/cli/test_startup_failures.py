"""``liveroom serve`` that cannot start says so in one line on stderr, naming the setting and the fix, and exits with
a status of its own for each cause (docs/reference.md, "Exit statuses"), before any "Application startup"."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from liveroom.cli import preflight
from liveroom.cli.exits import ExitStatus
from tests.cli.processes import REDIS_MODULES, files_in, liveroom, one_error_line
from tests.test_server_process import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'liveroom.db'}"


def serve(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    result = liveroom("serve", *args, cwd=cwd)
    line = one_error_line(result)
    assert "Traceback" not in result.stderr and "Application startup" not in result.stderr
    return result.returncode, line


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    return free_port()


def test_redis_unreachable(sqlite_url: str) -> None:
    port = closed_port()
    status, line = serve("--port", str(free_port()), "--database", sqlite_url, "--redis", f"redis://127.0.0.1:{port}/0")
    assert status == ExitStatus.REDIS_UNREACHABLE
    assert f"cannot reach Redis at redis://127.0.0.1:{port}/0 (--redis / LIVEROOM_REDIS_URL)" in line
    assert "start Redis or correct the URL, or leave the setting out to run a single node" in line


def test_redis_url_password_is_not_shown(sqlite_url: str) -> None:
    url = f"redis://default:hunter2@127.0.0.1:{closed_port()}/0"
    status, line = serve("--port", str(free_port()), "--database", sqlite_url, "--redis", url)
    assert status == ExitStatus.REDIS_UNREACHABLE
    assert "hunter2" not in line and "default:***@" in line


def test_postgresql_unreachable() -> None:
    port = closed_port()
    url = f"postgresql://liveroom:hunter2@127.0.0.1:{port}/live"
    status, line = serve("--port", str(free_port()), "--database", url)
    assert status == ExitStatus.DATABASE_UNREACHABLE
    assert f"cannot connect to the database postgresql://liveroom:***@127.0.0.1:{port}/live" in line
    assert "(--database / LIVEROOM_DATABASE_URL)" in line and "start PostgreSQL" in line
    assert "hunter2" not in line


@pytest.mark.parametrize("url", ["mysql://root:hunter2@db/live", "mongodb://db/live", "liveroom.db"])
def test_unsupported_scheme(url: str) -> None:
    status, line = serve("--port", str(free_port()), "--database", url)
    assert status == ExitStatus.UNSUPPORTED_DATABASE
    assert "is not supported; use sqlite:///PATH or postgresql://" in line
    assert "hunter2" not in line


def test_mysql_names_the_scheme_not_a_driver() -> None:
    status, line = serve("--port", str(free_port()), "--database", "mysql://root@db/live")
    assert status == ExitStatus.UNSUPPORTED_DATABASE
    assert "the scheme mysql:// is not supported" in line
    assert "MySQLdb" not in line


@pytest.fixture
def listener() -> Iterator[int]:
    """A port another process already listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_port_in_use_is_reported_before_the_application_starts(listener: int, sqlite_url: str) -> None:
    status, line = serve("--port", str(listener), "--database", sqlite_url)
    assert status == ExitStatus.CANNOT_LISTEN
    assert f"cannot listen on 127.0.0.1:{listener} (--host/--port, LIVEROOM_HOST/LIVEROOM_PORT)" in line
    assert "choose another port with --port" in line


def test_port_in_use_with_workers(listener: int, sqlite_url: str) -> None:
    redis = ("--redis", "redis://127.0.0.1:6379/0")  # not reached: the port is checked first
    status, _ = serve("--port", str(listener), "--workers", "2", *redis, "--database", sqlite_url)
    assert status == ExitStatus.CANNOT_LISTEN


def test_an_address_not_of_this_machine(sqlite_url: str) -> None:
    # TEST-NET-1 (RFC 5737): never assigned to a local interface, so bind() is refused at once; nothing is sent.
    status, line = serve("--host", "192.0.2.1", "--port", str(free_port()), "--database", sqlite_url)
    assert status == ExitStatus.CANNOT_LISTEN
    assert "choose an address of this machine with --host" in line


def test_sqlite_directory_missing(tmp_path: Path) -> None:
    status, line = serve("--port", str(free_port()), "--database", f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}")
    assert status == ExitStatus.DATABASE_NOT_WRITABLE
    assert f"its directory {tmp_path / 'nowhere'} does not exist; create it first" in line
    assert not (tmp_path / "nowhere").exists()


def test_sqlite_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    status, line = serve("--port", str(free_port()), "--database", f"sqlite:///{tmp_path / 'file' / 'x.db'}")
    assert status == ExitStatus.DATABASE_NOT_WRITABLE
    assert "is not a directory" in line


def test_sqlite_path_is_a_directory(tmp_path: Path) -> None:
    status, line = serve("--port", str(free_port()), "--database", f"sqlite:///{tmp_path}")
    assert status == ExitStatus.DATABASE_NOT_WRITABLE
    assert "it is a directory; name a file in it" in line


def test_sqlite_directory_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: the tests may run as root, whom no directory mode stops.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(typer.Exit) as exited:
        preflight.check_sqlite_writable(f"sqlite:///{tmp_path / 'x.db'}")
    assert exited.value.exit_code == ExitStatus.DATABASE_NOT_WRITABLE
    assert "permission denied; let this user write" in capsys.readouterr().err


def test_sqlite_relative_path_is_shown_absolute(tmp_path: Path) -> None:
    status, line = serve("--port", str(free_port()), "--database", "sqlite:///missing/x.db", cwd=tmp_path)
    assert status == ExitStatus.DATABASE_NOT_WRITABLE
    assert str(tmp_path / "missing" / "x.db") in line


def test_redis_extra_missing(sqlite_url: str) -> None:
    result = liveroom(
        "serve", "--port", str(free_port()), "--database", sqlite_url, "--redis", "redis://127.0.0.1:6379/0",
        without=REDIS_MODULES,
    )  # fmt: skip
    line = one_error_line(result)
    assert result.returncode == ExitStatus.MISSING_EXTRA
    assert "needs the redis extra, which is not installed (no module redis)" in line
    assert "pip install '.[redis]'" in line


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_several_workers_without_redis_are_refused(tmp_path: Path, database: str) -> None:
    """Each worker would have its own members, events and counts, on SQLite as on PostgreSQL; refused before the
    database is touched (nothing listens on the PostgreSQL URL's port)."""
    sqlite_url = f"sqlite:///{tmp_path / 'liveroom.db'}"
    url = sqlite_url if database == "sqlite" else f"postgresql://liveroom@127.0.0.1:{closed_port()}/live"
    status, line = serve("--port", str(free_port()), "--workers", "2", "--database", url)
    assert status == ExitStatus.WORKERS_NEED_REDIS
    assert "--workers 2 (LIVEROOM_WORKERS) needs --redis / LIVEROOM_REDIS_URL" in line
    assert "add --redis redis://HOST:6379/0, or run one worker" in line
    assert files_in(tmp_path) == []


def test_workers_from_the_environment_without_redis_are_refused(sqlite_url: str) -> None:
    result = liveroom("serve", "--port", str(free_port()), "--database", sqlite_url, env={"LIVEROOM_WORKERS": "3"})
    assert result.returncode == ExitStatus.WORKERS_NEED_REDIS
    assert "--workers 3 (LIVEROOM_WORKERS) needs --redis" in one_error_line(result)
