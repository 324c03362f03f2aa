"""``liveroom operator add|list|remove``: the people who sign in to the web console (``/console``)."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liveroom.cli.exits import ExitStatus, fail
from liveroom.cli.server import DatabaseOpt, JsonOpt, _with_apps, cli, out

if TYPE_CHECKING:
    from liveroom.domain.apps import AppManager
    from liveroom.store.interface import OperatorRecord

NEEDED_BY = "liveroom operator"

operator_cli = typer.Typer(help="Operators: who may sign in to the web console at /console.", no_args_is_help=True)
cli.add_typer(operator_cli, name="operator")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail(ExitStatus.USAGE, "no terminal to ask the password on: pass it on standard input with --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        fail(ExitStatus.USAGE, "the two passwords differ")
    return password


@operator_cli.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The operator's sign-in name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    database: DatabaseOpt = None,
) -> None:
    """Add an operator; the password is asked twice (or read with --password-stdin) and kept as an argon2 hash."""
    password = _read_password(password_stdin)

    async def action(m: AppManager) -> OperatorRecord:
        from liveroom.domain import operators  # noqa: PLC0415 - the server extra, checked by _with_apps

        return await operators.add_operator(m.store, name, password)

    _with_apps(database, action, create=True, needed_by=NEEDED_BY)
    out.print(f"operator {escape(name)!r} added: sign in at /console")


@operator_cli.command("list")
def list_(database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """The operators, by name."""

    async def action(m: AppManager) -> list[OperatorRecord]:
        from liveroom.domain import operators  # noqa: PLC0415 - the server extra, checked by _with_apps

        return await operators.list_operators(m.store)

    found = _with_apps(database, action, needed_by=NEEDED_BY)
    if json_out:
        print(json.dumps([{"Name": o.name, "CreatedAt": o.created_at} for o in found]))
        return
    table = Table("name", "added")
    for o in found:
        table.add_row(escape(o.name), datetime.fromtimestamp(o.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC"))
    out.print(table)


@operator_cli.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The operator's sign-in name")], database: DatabaseOpt = None
) -> None:
    """Remove an operator; their console sessions end at once."""

    async def action(m: AppManager) -> None:
        from liveroom.domain import operators  # noqa: PLC0415 - the server extra, checked by _with_apps

        await operators.remove_operator(m.store, name)

    _with_apps(database, action, needed_by=NEEDED_BY)
    out.print(f"operator {escape(name)!r} removed")
