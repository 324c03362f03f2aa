"""No command creates a database as a side effect of a read; a command that finds no database, or no app, names the
database it read; ``liveroom usersig --secret-key`` needs no database at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from liveroom import usersig
from liveroom.cli.exits import ExitStatus
from liveroom.store import migrate
from tests import pg
from tests.cli.processes import SERVER_MODULES, files_in, liveroom, one_error_line

pytestmark = pytest.mark.slow

SDKAPPID = "1400000000"
KEY = "0123456789abcdef" * 4

# Every command that reads the database, or changes an app that must already be there.
NEEDS_A_DATABASE = [
    ("app", "list"),
    ("app", "list", "--json"),
    ("app", "show", SDKAPPID),
    ("app", "quota", SDKAPPID),
    ("app", "quota", SDKAPPID, "--members", "10"),
    ("app", "rotate-key", SDKAPPID),
    ("app", "disable", SDKAPPID),
    ("app", "enable", SDKAPPID),
    ("app", "admins", "add", SDKAPPID, "ops"),
    ("app", "admins", "remove", SDKAPPID, "ops"),
    ("usersig", "--sdkappid", SDKAPPID, "--identifier", "administrator"),
]


@pytest.mark.parametrize("command", NEEDS_A_DATABASE, ids=" ".join)
def test_no_database_is_created_and_the_one_looked_for_is_named(command: tuple[str, ...], tmp_path: Path) -> None:
    result = liveroom(*command, cwd=tmp_path)  # the default database: ./liveroom.db
    assert result.returncode == ExitStatus.FAILED
    line = one_error_line(result)
    assert f"no database at {tmp_path / 'liveroom.db'} (--database / LIVEROOM_DATABASE_URL" in line
    assert "liveroom db upgrade" in line
    assert files_in(tmp_path) == []


def test_db_current_creates_nothing(tmp_path: Path) -> None:
    result = liveroom("db", "current", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "current: none (empty database)" in result.stdout
    assert files_in(tmp_path) == []


@pytest.fixture
def empty_schema() -> Iterator[str]:
    with pg.fresh_schema() as url:
        yield url


def tables_of(url: str) -> list[str]:
    with psycopg.connect(url) as db:
        return pg.tables_of(db)


def test_a_read_on_postgresql_creates_no_tables(empty_schema: str) -> None:
    for command in (("app", "list"), ("usersig", "--sdkappid", SDKAPPID, "--identifier", "administrator")):
        result = liveroom(*command, "--database", empty_schema)
        assert result.returncode == ExitStatus.FAILED
        assert "is at schema revision none (empty), this liveroom needs" in one_error_line(result)
    assert tables_of(empty_schema) == []


def test_an_old_sqlite_schema_is_named_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0001")
    result = liveroom("app", "list", "--database", url)
    assert result.returncode == ExitStatus.FAILED
    assert "is at schema revision 0001, this liveroom needs" in one_error_line(result)
    assert migrate.current(url) == "0001"


def test_usersig_for_an_app_that_is_not_there_names_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert liveroom("db", "upgrade", "--database", url).returncode == 0
    result = liveroom("usersig", "--sdkappid", "1400000777", "--identifier", "administrator", "--database", url)
    assert result.returncode == ExitStatus.FAILED
    line = one_error_line(result)
    assert f"no app 1400000777 in the SQLite database {tmp_path / 'server.db'}" in line
    assert "or give the app's key with --secret-key" in line


def test_usersig_with_the_key_reads_no_database(tmp_path: Path) -> None:
    result = liveroom(
        "usersig",
        "--sdkappid",
        SDKAPPID,
        "--identifier",
        "host-1",
        "--secret-key",
        KEY,
        "--expire",
        "600",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    claims = usersig.verify(result.stdout.strip(), int(SDKAPPID), "host-1", KEY)
    assert claims.expire == 600
    assert files_in(tmp_path) == []


def test_usersig_takes_the_key_from_the_environment_and_needs_no_server(tmp_path: Path) -> None:
    result = liveroom(
        "usersig",
        "--identifier",
        "host-1",
        cwd=tmp_path,
        env={"LIVEROOM_SDKAPPID": SDKAPPID, "LIVEROOM_SECRET_KEY": KEY},
        without=SERVER_MODULES,
    )
    assert result.returncode == 0, result.stderr
    usersig.verify(result.stdout.strip(), int(SDKAPPID), "host-1", KEY)


def test_usersig_from_the_database_matches_the_key_it_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    created = liveroom("app", "create", "--sdkappid", SDKAPPID, "--secret-key", KEY, "--database", url, "--json")
    assert json.loads(created.stdout)["SecretKey"] == KEY
    result = liveroom("usersig", "--sdkappid", SDKAPPID, "--identifier", "administrator", "--database", url)
    assert result.returncode == 0, result.stderr
    usersig.verify(result.stdout.strip(), int(SDKAPPID), "administrator", KEY)


def test_app_create_is_the_app_command_that_creates_a_database(tmp_path: Path) -> None:
    result = liveroom("app", "create", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sdkappid = json.loads(result.stdout)["SDKAppID"]
    assert "liveroom.db" in files_in(tmp_path)
    shown = liveroom("app", "show", str(sdkappid), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["SDKAppID"] == sdkappid
