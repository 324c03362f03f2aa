"""``liveroom db upgrade`` and ``liveroom db current`` on SQLite and PostgreSQL, and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from liveroom.cli.commands import cli
from liveroom.store import migrate
from tests import pg

HEAD = migrate.head()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["db", *args], env={"LIVEROOM_DATABASE_URL": ""})


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'liveroom.db'}"
    else:
        with pg.fresh_schema() as url:
            yield url


def test_current_of_an_empty_database_then_upgrade_then_current(database: str) -> None:
    before = run("current", "--database", database)
    assert before.exit_code == 0, before.output
    assert f"current: none (empty database)  head: {HEAD}" in before.stdout

    upgraded = run("upgrade", "--database", database)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"database at revision {HEAD}" in upgraded.stdout
    assert migrate.current(database) == HEAD

    after = run("current", "--database", database)
    assert after.exit_code == 0, after.output
    assert f"current: {HEAD}  head: {HEAD}" in after.stdout

    again = run("upgrade", "--database", database)  # nothing left to apply
    assert again.exit_code == 0, again.output
    assert f"database at revision {HEAD}" in again.stdout


def test_current_does_not_create_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    result = run("current", "--database", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert "current: none" in result.stdout
    assert not path.exists()


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"LIVEROOM_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert migrate.current(url) == HEAD


@pytest.mark.parametrize("command", ["upgrade", "current"])
def test_unreachable_postgresql_is_one_line_without_the_password(command: str) -> None:
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    result = run(command, "--database", "postgresql://liveroom:s3cret-pw@127.0.0.1:9/nowhere")
    assert result.exit_code == 12  # ExitStatus.DATABASE_UNREACHABLE
    assert "error:" in result.stderr
    assert "127.0.0.1" in result.stderr
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["upgrade", "current"])
def test_unsupported_url_is_refused(command: str) -> None:
    result = run(command, "--database", "mysql://root:hunter2@db/live")
    assert result.exit_code == 11  # ExitStatus.UNSUPPORTED_DATABASE
    assert "the scheme mysql:// is not supported" in result.stderr
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output


def test_sqlite_file_that_cannot_be_created(tmp_path: Path) -> None:
    result = run("upgrade", "--database", f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    assert result.exit_code == 13  # ExitStatus.DATABASE_NOT_WRITABLE
    assert "error:" in result.stderr
    assert "Traceback" not in result.output
