"""The server's database as the command line uses it: opened for a read without ever creating it, migrated only by
the commands that write, apps read and changed, and the development app of ``liveroom serve --dev``.

Imports the server (the domain, the store, Alembic): the commands of ``server`` import this module only after
``preflight`` has found the extras installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from liveroom import usersig
from liveroom.cli import preflight
from liveroom.cli.exits import ExitStatus, fail
from liveroom.domain import operators, rooms
from liveroom.domain.apps import AppConfigError, AppManager, NoSuchApp
from liveroom.domain.context import Caller, Services
from liveroom.errors import LiveError
from liveroom.settings import DEV_ADMIN, DEV_SDKAPPID, Settings
from liveroom.store import migrate, open_store, path_of
from liveroom.store.interface import AppRecord

T = TypeVar("T")
DEMO_ROOM = "demo-room"

err = Console(stderr=True, highlight=False)


def migration(url: str, action: Callable[[str], T]) -> T:
    """Run a migration command; a failure is one line on stderr (password hidden) and exit status 1."""
    try:
        return action(url)
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        fail(
            ExitStatus.FAILED,
            f"cannot migrate {preflight.describe(url)}: {type(exc).__name__}: {reason[0] if reason else ''}",
        )


def prepare(url: str, *, create: bool) -> None:
    """Make sure the database can be used: with ``create``, migrated to the newest schema (a SQLite file is
    created); without, it must be there already, at the newest schema (a read never creates a database)."""
    if preflight.backend(url) == "sqlite":
        if create:
            preflight.check_sqlite_writable(url)
        elif not Path(path_of(url)).exists():
            fail(
                ExitStatus.FAILED,
                f"no database at {Path(path_of(url)).absolute()} ({preflight.DATABASE_SETTING}, default "
                "sqlite:///./liveroom.db): name the server's database, or create one with liveroom db upgrade",
            )
    else:
        preflight.check_postgres_reachable(url)
    if create:
        migration(url, migrate.upgrade)
        return
    revision, head = migration(url, migrate.current), migrate.head()
    if revision != head:
        fail(
            ExitStatus.FAILED,
            f"{preflight.describe(url)} is at schema revision {revision or 'none (empty)'}, this liveroom needs "
            f"{head}: run liveroom db upgrade",
        )


def current_revision(url: str) -> str | None:
    """The schema revision, ``None`` for an empty database or a SQLite file that is not there (not created)."""
    if preflight.backend(url) == "sqlite":
        return migration(url, migrate.current) if Path(path_of(url)).exists() else None
    preflight.check_postgres_reachable(url)
    return migration(url, migrate.current)


def head_revision() -> str | None:
    return migrate.head()


def with_apps(
    settings: Settings, action: Callable[[AppManager], Awaitable[T]], *, create: bool = False, hint: str = ""
) -> T:
    """Run ``action`` on the apps of the database; only ``create`` may create or migrate the database."""
    url = settings.database_url
    prepare(url, create=create)

    async def run() -> T:
        store = open_store(url, sqlite_synchronous=settings.sqlite_synchronous, migrate=False)
        await store.open()
        try:
            return await action(AppManager(store))
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except NoSuchApp as exc:
        fail(ExitStatus.FAILED, f"{exc} in {preflight.describe(url)} ({preflight.DATABASE_SETTING}){hint}")
    except (AppConfigError, ValueError) as exc:
        fail(ExitStatus.FAILED, str(exc))


def curl_line(base_url: str, app: AppRecord, identifier: str) -> str:
    sig = usersig.generate(app.sdkappid, app.secret_key, identifier, 86400)
    query = (
        f"sdkappid={app.sdkappid}&identifier={identifier}&usersig={sig}"
        f"&random={random.randint(0, 4294967295)}&contenttype=json"  # noqa: S311 - not a secret
    )
    url = f"{base_url}/v4/live_engine_http_srv/get_room_info?{query}"
    return f"curl -s -X POST {shlex.quote(url)} -d {shlex.quote(json.dumps({'RoomId': DEMO_ROOM}))}"


def dev_setup(settings: Settings) -> None:
    """Make sure the development app and a demo room exist (the database is ready), then print how to call the
    server: the environment the SDK and the remote commands read, and a curl line that reads the room."""

    async def ensure(manager: AppManager) -> tuple[AppRecord, bool, str | None]:
        app, created = await manager.ensure(sdkappid=DEV_SDKAPPID, admins=[DEV_ADMIN])
        operator_password = await operators.ensure_dev_operator(manager.store)
        services = Services(store=manager.store)
        with contextlib.suppress(LiveError):  # 100010: the demo room is already there
            await rooms.create_room(
                services, Caller(app, DEV_ADMIN), rooms.NewRoom(room_id=DEMO_ROOM, room_type="Live")
            )
        return app, created, operator_password

    app, created, operator_password = with_apps(settings, ensure)
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    base_url = f"http://{host}:{settings.port}"
    # Whole lines whatever the terminal's width: they are read, and two of them are pasted.
    err.print(
        f"[bold]liveroom dev app[/bold] {'created' if created else 'ready'}: SDKAppID {app.sdkappid}, "
        f"admin {DEV_ADMIN!r}, room {DEMO_ROOM!r}, secret key {app.secret_key}",
        soft_wrap=True,
    )
    err.print("for the SDK and the command line (README), paste this in another terminal:", soft_wrap=True)
    print(
        f"export LIVEROOM_URL={base_url} LIVEROOM_SDKAPPID={app.sdkappid} LIVEROOM_SECRET_KEY={app.secret_key}",
        file=sys.stderr,
    )
    err.print("read the demo room (the UserSig in this line is valid for 24 hours):", soft_wrap=True)
    print(curl_line(base_url, app, DEV_ADMIN), file=sys.stderr, flush=True)
    if operator_password is None:
        err.print(
            f"the web console: {base_url}/console, operator {operators.DEV_OPERATOR!r} (its password was printed "
            f"when it was made; liveroom operator remove {operators.DEV_OPERATOR} and serve --dev again for a new one)",
            soft_wrap=True,
        )
    else:
        err.print(
            f"the web console: {base_url}/console, operator {operators.DEV_OPERATOR!r}, password {operator_password} "
            "(printed this once)",
            soft_wrap=True,
        )
