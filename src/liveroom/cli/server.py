"""``liveroom serve``, ``liveroom app ...``, ``liveroom usersig`` and ``liveroom db ...``: operate a server.

Importing this module costs none of the server extra: ``liveroom --help`` and the remote commands work with the
core install, and each command here checks what it needs (``preflight``) before it imports the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from liveroom import __version__, logs, parent_watch, usersig
from liveroom.cli import preflight, serve_lock
from liveroom.cli.exits import ExitStatus, fail
from liveroom.settings import DEV_ADMIN, DEV_SDKAPPID, Settings, SettingsError

if TYPE_CHECKING:
    from liveroom.domain.apps import AppManager
    from liveroom.store.interface import AppRecord

cli = typer.Typer(
    name="liveroom",
    help="A live-room server that speaks the Tencent Cloud TUILiveKit (Live) server REST API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app_cli = typer.Typer(help="Create and configure apps (SDKAppID, secret key, admins, quotas).", no_args_is_help=True)
admins_cli = typer.Typer(help="Add or remove an app's admin accounts.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
cli.add_typer(app_cli, name="app")
app_cli.add_typer(admins_cli, name="admins")
cli.add_typer(db_cli, name="db")


out = Console()
T = TypeVar("T")

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", envvar="LIVEROOM_DATABASE_URL", help="Database URL (default: sqlite:///./liveroom.db)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


def _print_version(value: bool) -> None:
    if value:
        print(f"liveroom {__version__}")
        raise typer.Exit()


@cli.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print liveroom's version and exit."),
    ] = False,
) -> None:
    """A live-room server that speaks the Tencent Cloud TUILiveKit (Live) server REST API."""


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        fail(ExitStatus.USAGE, str(exc))


def _with_apps(
    database: str | None,
    action: Callable[[AppManager], Awaitable[T]],
    *,
    create: bool = False,
    needed_by: str = "liveroom app",
    hint: str = "",
) -> T:
    """Run ``action`` on the apps of the database; only ``create`` may create or migrate the database."""
    settings = _settings(database_url=database)
    preflight.require_database_extras(settings.database_url, needed_by)
    from liveroom.cli import database as server_database  # noqa: PLC0415 - the server extra, checked above

    return server_database.with_apps(settings, action, create=create, hint=hint)


def _app_json(app: AppRecord, *, with_key: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "SDKAppID": app.sdkappid,
        "Admins": sorted(app.admins),
        "Enabled": app.enabled,
        "MemberQuota": app.member_quota,
        "SeatQuota": app.seat_quota,
        "RateLimitsEnabled": app.rate_limits_enabled,
        "RateLimitOverrides": app.rate_limit_overrides,
        "CallbackFailOpen": app.callback_fail_open,
        "GiftBattleScores": app.gift_battle_scores,
    }
    if with_key:
        data["SecretKey"] = app.secret_key
    return data


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: 8080)")] = None,
    database: DatabaseOpt = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (one per core) (default: 1)")] = None,
    dev: Annotated[
        bool,
        typer.Option("--dev", help=f"Make sure the development app {DEV_SDKAPPID} exists and print how to call it."),
    ] = False,
    access_log: Annotated[bool | None, typer.Option("--access-log/--no-access-log", help="Log every request.")] = None,
    redis: Annotated[
        str | None,
        typer.Option(
            "--redis", help="Redis URL the nodes share limits, lock-out and events through (default: none, one node)"
        ),
    ] = None,
    redis_prefix: Annotated[
        str | None, typer.Option(help="Prefix of this deployment's Redis keys and channel (default: liveroom)")
    ] = None,
    presence_ttl: Annotated[
        float | None,
        typer.Option(
            help="With --redis: seconds after which the members of a node that stopped leave their rooms (default: 30)"
        ),
    ] = None,
    log_format: Annotated[str | None, typer.Option(help="Log lines as text or json (default: text)")] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            envvar="FORWARDED_ALLOW_IPS",
            help="Proxies (comma-separated addresses, or *) whose X-Forwarded-For names the client "
            "(default: none; X-Forwarded-For is ignored)",
        ),
    ] = None,
) -> None:
    """Run the server (migrates the database first). A failure to start is one line and an exit status of its own
    (docs/reference.md)."""
    settings = _settings(
        host=host,
        port=port,
        database_url=database,
        workers=workers,
        dev=dev or None,
        access_log=access_log,
        redis_url=redis,
        redis_prefix=redis_prefix,
        presence_ttl_seconds=presence_ttl,
        log_format=log_format,
    )
    # Cheapest first; each check exits with its own status (exits.ExitStatus).
    preflight.require_extra("server", "liveroom serve")
    kind = preflight.require_database_extras(settings.database_url, "liveroom serve")
    preflight.check_one_server(settings.workers, settings.redis_url)
    if settings.redis_url:
        preflight.require_extra("redis", f"a Redis URL ({preflight.REDIS_SETTING})")
    preflight.check_can_listen(settings.host, settings.port)
    if settings.redis_url:
        preflight.check_redis_reachable(settings.redis_url)
    # Held until the server stops, migrations included: another serve on this file, or a node on this schema that
    # does not share this one's Redis, is refused meanwhile. Workers take none: it is this process's for them.
    with contextlib.ExitStack() as held:
        if kind == "sqlite":
            preflight.check_sqlite_writable(settings.database_url)
            held.enter_context(serve_lock.serving(settings.database_url))
        else:
            preflight.check_postgres_reachable(settings.database_url)
            held.enter_context(serve_lock.serving_postgres(settings.database_url, shared=bool(settings.redis_url)))
        _serve(settings, forwarded_allow_ips)


def _serve(settings: Settings, forwarded_allow_ips: str | None) -> None:
    from liveroom.cli import database as server_database  # noqa: PLC0415 - the server extra, checked by serve

    logs.configure(settings.log_level, settings.log_format)
    server_database.prepare(settings.database_url, create=True)
    if settings.dev:
        server_database.dev_setup(settings)
    # Workers rebuild the same settings from the environment, and stop when this process dies.
    os.environ.update(settings.to_env())
    os.environ[parent_watch.SERVE_PID] = str(os.getpid())
    metrics_dir = None
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # The workers' metrics meet in files there, and any worker answers /metrics with their sum.
        remove_stale_metrics_dirs()
        metrics_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        _run_uvicorn(settings, forwarded_allow_ips or None)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


METRICS_DIR_PREFIX = "liveroom-metrics-"


def remove_stale_metrics_dirs(parent: str | None = None) -> list[str]:
    """The metrics directories of `serve` processes that are gone without removing theirs (kill -9): each is named
    after the process that made it. Answers the ones removed."""
    removed = []
    for path in Path(parent or tempfile.gettempdir()).glob(f"{METRICS_DIR_PREFIX}*-*"):
        pid = path.name[len(METRICS_DIR_PREFIX) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(str(path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _run_uvicorn(settings: Settings, forwarded_allow_ips: str | None = None) -> None:
    import uvicorn  # noqa: PLC0415 - the server extra, checked by serve

    from liveroom.api import transport  # noqa: PLC0415 - the server extra, checked by serve

    # Without trusted proxies, uvicorn's proxy-headers middleware would only cost time on every request.
    uvicorn.run(
        "liveroom.api.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_level=settings.log_level,
        log_config=logs.uvicorn_config(settings.log_format),
        loop="uvloop",
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=10,
        **transport.uvicorn_options(settings),
    )


@app_cli.command("create")
def app_create(
    sdkappid: Annotated[int | None, typer.Option(help="SDKAppID (default: the next free from 1400000001)")] = None,
    secret_key: Annotated[str | None, typer.Option(help="Secret key (default: 64 random hex characters)")] = None,
    admin: Annotated[
        list[str] | None, typer.Option("--admin", help="Admin account (repeat) (default: administrator)")
    ] = None,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an app; prints its SDKAppID and secret key."""
    app = _with_apps(
        database,
        lambda m: m.create(sdkappid=sdkappid, secret_key=secret_key, admins=admin or [DEV_ADMIN]),
        create=True,
    )
    if json_out:
        print(json.dumps(_app_json(app, with_key=True)))
        return
    out.print(f"created app [bold]{app.sdkappid}[/bold]")
    out.print(f"secret key: {app.secret_key}")
    out.print(f"admins: {', '.join(sorted(app.admins))}")


@app_cli.command("list")
def app_list(database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """List apps (secret keys are not shown; see `liveroom app show`)."""
    apps = _with_apps(database, lambda m: m.list())
    if json_out:
        print(json.dumps([_app_json(a, with_key=False) for a in apps]))
        return
    table = Table("SDKAppID", "admins", "enabled", "members", "seats", "rate limits")
    for a in apps:
        limits = "on" if a.rate_limits_enabled else "off"
        if a.rate_limit_overrides:
            limits += " (" + ", ".join(f"{k}={v}/s" for k, v in sorted(a.rate_limit_overrides.items())) + ")"
        table.add_row(
            str(a.sdkappid),
            ", ".join(sorted(a.admins)),
            "yes" if a.enabled else "no",
            str(a.member_quota),
            str(a.seat_quota),
            limits,
        )
    out.print(table)


@app_cli.command("show")
def app_show(sdkappid: Annotated[int, typer.Argument(help="SDKAppID")], database: DatabaseOpt = None) -> None:
    """Print one app as JSON, secret key included."""
    app = _with_apps(database, lambda m: m.get(sdkappid))
    print(json.dumps(_app_json(app, with_key=True), indent=2))


@app_cli.command("rotate-key")
def app_rotate_key(
    sdkappid: Annotated[int, typer.Argument(help="SDKAppID")],
    secret_key: Annotated[str | None, typer.Option(help="New key (default: random)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Replace the app's secret key; UserSigs made with the old key stop working at once."""
    app = _with_apps(database, lambda m: m.rotate_key(sdkappid, secret_key))
    out.print(f"secret key: {app.secret_key}")


@app_cli.command("disable")
def app_disable(sdkappid: Annotated[int, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Disable an app: every call answers 60016 until it is enabled again."""
    _with_apps(database, lambda m: m.set_enabled(sdkappid, False))
    out.print(f"app {sdkappid} disabled")


@app_cli.command("enable")
def app_enable(sdkappid: Annotated[int, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Enable a disabled app."""
    _with_apps(database, lambda m: m.set_enabled(sdkappid, True))
    out.print(f"app {sdkappid} enabled")


@admins_cli.command("add")
def admins_add(
    sdkappid: Annotated[int, typer.Argument()],
    identifiers: Annotated[list[str], typer.Argument(help="Account ids")],
    database: DatabaseOpt = None,
) -> None:
    """Make accounts admins of the app."""
    app = _with_apps(database, lambda m: m.add_admins(sdkappid, identifiers))
    out.print(f"admins of {sdkappid}: {', '.join(sorted(app.admins))}")


@admins_cli.command("remove")
def admins_remove(
    sdkappid: Annotated[int, typer.Argument()],
    identifiers: Annotated[list[str], typer.Argument(help="Account ids")],
    database: DatabaseOpt = None,
) -> None:
    """Take admin rights away; their cached UserSigs stop working at once."""
    app = _with_apps(database, lambda m: m.remove_admins(sdkappid, identifiers))
    out.print(f"admins of {sdkappid}: {', '.join(sorted(app.admins))}")


@app_cli.command("quota")
def app_quota(
    sdkappid: Annotated[int, typer.Argument()],
    members: Annotated[int | None, typer.Option(help="Max members per room (MaxMemberCount cap)")] = None,
    seats: Annotated[int | None, typer.Option(help="Max seats per room (MaxSeatCount cap)")] = None,
    rate_limits: Annotated[
        bool | None, typer.Option("--rate-limits/--no-rate-limits", help="Switch all rate limits on or off")
    ] = None,
    rate: Annotated[
        list[str] | None, typer.Option("--rate", help="COMMAND=CALLS_PER_SECOND override (repeat); COMMAND= resets")
    ] = None,
    callback_fail_open: Annotated[
        bool | None,
        typer.Option(
            "--callback-fail-open/--no-callback-fail-open",
            help="Whether a before-callback that times out or fails allows the action (default: refuses it)",
        ),
    ] = None,
    gift_battle_scores: Annotated[
        bool | None,
        typer.Option(
            "--gift-battle-scores/--no-gift-battle-scores",
            help="Whether each gift's coins add to its room's score in the room's running battle (default: no)",
        ),
    ] = None,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show or change the app's quotas and rate limits."""
    overrides: dict[str, int] | None = None
    if rate:
        current = _with_apps(database, lambda m: m.get(sdkappid))
        overrides = dict(current.rate_limit_overrides)
        for item in rate:
            command, sep, value = item.partition("=")
            if not sep or not command:
                fail(ExitStatus.USAGE, f"--rate {item!r}: expected COMMAND=CALLS_PER_SECOND")
            if value == "":
                overrides.pop(command, None)
            elif value.isdigit() and int(value) > 0:
                overrides[command] = int(value)
            else:
                fail(ExitStatus.USAGE, f"--rate {item!r}: calls per second must be a positive integer")

    async def apply(manager: AppManager) -> AppRecord:
        from liveroom.domain.apps import QuotaChange  # noqa: PLC0415 - the server extra, checked by _with_apps

        change = QuotaChange(
            member_quota=members,
            seat_quota=seats,
            rate_limits_enabled=rate_limits,
            rate_limit_overrides=overrides,
            callback_fail_open=callback_fail_open,
            gift_battle_scores=gift_battle_scores,
        )
        if change == QuotaChange():
            return await manager.get(sdkappid)
        return await manager.set_quota(sdkappid, change)

    app = _with_apps(database, apply)
    data = _app_json(app, with_key=False)
    if json_out:
        print(json.dumps(data))
        return
    for key, shown in data.items():
        out.print(f"{key}: {shown}")


@cli.command("usersig")
def usersig_command(
    sdkappid: Annotated[int, typer.Option(envvar="LIVEROOM_SDKAPPID", help="The app's SDKAppID")],
    identifier: Annotated[str, typer.Option(help="The account the UserSig is for")],
    expire: Annotated[int, typer.Option(help="Validity in seconds")] = usersig.DEFAULT_EXPIRE,
    secret_key: Annotated[
        str | None,
        typer.Option(
            "--secret-key",
            envvar="LIVEROOM_SECRET_KEY",
            help="The app's secret key; without it, the key is read from the server's database",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Print a UserSig made with the app's secret key (the one given, else the one in the database)."""
    if secret_key:
        print(usersig.generate(sdkappid, secret_key, identifier, expire))
        return
    app = _with_apps(
        database,
        lambda m: m.get(sdkappid),
        needed_by="liveroom usersig without --secret-key (the key is read from the database)",
        hint="; or give the app's key with --secret-key",
    )
    print(usersig.generate(app.sdkappid, app.secret_key, identifier, expire))


@db_cli.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Apply every migration not yet applied (creates a SQLite file that is not there)."""
    url = _settings(database_url=database).database_url
    preflight.require_database_extras(url, "liveroom db")
    from liveroom.cli import database as server_database  # noqa: PLC0415 - the server extra, checked above

    server_database.prepare(url, create=True)
    out.print(f"database at revision {server_database.current_revision(url)}")


@db_cli.command("current")
def db_current(database: DatabaseOpt = None) -> None:
    """Print the database's revision and the newest one this liveroom knows (never creates a database)."""
    url = _settings(database_url=database).database_url
    preflight.require_database_extras(url, "liveroom db")
    from liveroom.cli import database as server_database  # noqa: PLC0415 - the server extra, checked above

    revision = server_database.current_revision(url)
    out.print(f"current: {revision or 'none (empty database)'}  head: {server_database.head_revision()}")
