"""``liveroom operator add|list|remove`` on a database, with the password on standard input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from liveroom.cli.commands import cli
from tests.helpers import db_rows


def run(database: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["operator", *args, "--database", database], input=stdin)


def test_add_list_remove(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'liveroom.db'}"
    added = run(database, "add", "ann", "--password-stdin", stdin="correct horse\n")
    assert added.exit_code == 0, added.output
    stored = db_rows(database)["operators"]
    assert [row["name"] for row in stored] == ["ann"]
    # argon2id, never the password itself.
    assert stored[0]["password_hash"].startswith("$argon2id$")
    assert "correct horse" not in stored[0]["password_hash"]

    again = run(database, "add", "ann", "--password-stdin", stdin="another one\n")
    assert again.exit_code == 1
    assert "exists already" in again.output

    listed = run(database, "list", "--json")
    assert [o["Name"] for o in json.loads(listed.stdout)] == ["ann"]

    removed = run(database, "remove", "ann")
    assert removed.exit_code == 0, removed.output
    assert json.loads(run(database, "list", "--json").stdout) == []
    missing = run(database, "remove", "ann")
    assert missing.exit_code == 1
    assert "no operator 'ann'" in missing.output


def test_short_password_and_bad_name_are_refused(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'liveroom.db'}"
    short = run(database, "add", "ann", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1
    assert "at least 8 characters" in short.output
    bad = run(database, "add", "a b", "--password-stdin", stdin="long enough\n")
    assert bad.exit_code == 1
    assert "operator name 'a b'" in bad.output
    assert json.loads(run(database, "list", "--json").stdout) == []
