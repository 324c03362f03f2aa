"""``liveroom rooms|accounts|metadata|call``: the Live API from a shell, on the SDK (``liveroom.client``).

Where to connect and as whom, first found wins: the flags (``--url``, ``--sdkappid``, ``--secret-key``,
``--identifier``), the environment (``LIVEROOM_URL``, ``LIVEROOM_SDKAPPID``, ``LIVEROOM_SECRET_KEY``,
``LIVEROOM_IDENTIFIER``), then a profile of the config file (``--profile NAME`` or ``LIVEROOM_PROFILE``, else
``default``; the file is ``~/.config/liveroom/config.toml`` unless ``LIVEROOM_CONFIG`` names another)::

    [default]
    url = "http://127.0.0.1:8080"
    sdkappid = 1400000000
    secret_key = "..."
    identifier = "administrator"

People get Rich tables; ``--json`` prints the API's answer with its wire names for scripts. A failed call exits
1 after printing its ``ErrorCode`` and ``ErrorInfo``; a usage or configuration error exits 2.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from liveroom.client import DEFAULT_BASE_URL, Client, LiveroomError
from liveroom.client.models import AccountItem

DEFAULT_CONFIG = "~/.config/liveroom/config.toml"
PROFILE_KEYS = frozenset({"url", "sdkappid", "secret_key", "identifier"})
BATCH = 100  # the account APIs take at most 100 ids a call

rooms_cli = typer.Typer(help="Create, read, change, list and dismiss rooms on a server.", no_args_is_help=True)
accounts_cli = typer.Typer(help="Import, check and delete accounts (UserIDs) on a server.", no_args_is_help=True)
metadata_cli = typer.Typer(help="Read and write a room's metadata (custom key/values).", no_args_is_help=True)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_PANEL = "Connection"
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url", envvar="LIVEROOM_URL", help=f"Server base URL (default {DEFAULT_BASE_URL})", rich_help_panel=_PANEL
    ),
]
SdkAppIdOpt = Annotated[
    int | None,
    typer.Option("--sdkappid", envvar="LIVEROOM_SDKAPPID", help="The app's SDKAppID", rich_help_panel=_PANEL),
]
SecretKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--secret-key",
        envvar="LIVEROOM_SECRET_KEY",
        help="The app's secret key (prefer the environment or a profile)",
        show_default=False,
        rich_help_panel=_PANEL,
    ),
]
IdentifierOpt = Annotated[
    str | None,
    typer.Option(
        "--identifier",
        envvar="LIVEROOM_IDENTIFIER",
        help="Admin account (default administrator)",
        rich_help_panel=_PANEL,
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="LIVEROOM_PROFILE",
        help=f"Profile of the config file (LIVEROOM_CONFIG, default {DEFAULT_CONFIG})",
        rich_help_panel=_PANEL,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's answer as JSON instead of a table.")]


# connection ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    sdkappid: int
    secret_key: str = field(repr=False)
    identifier: str = "administrator"


def _usage(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(2)


def config_path() -> Path:
    return Path(os.environ.get("LIVEROOM_CONFIG") or DEFAULT_CONFIG).expanduser()


def load_profile(name: str | None) -> dict[str, Any]:
    """The profile's settings; ``{}`` when no profile was asked for and there is no ``default``."""
    path = config_path()
    if not path.exists():
        if os.environ.get("LIVEROOM_CONFIG"):
            _usage(f"LIVEROOM_CONFIG names {path}, which does not exist")
        if name is not None:
            _usage(f"--profile {name}: no config file at {path}")
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        if path.stat().st_mode & 0o077:
            err.print(f"[yellow]warning:[/yellow] {escape(str(path))} holds secret keys; make it private (chmod 600)")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _usage(f"{path}: {exc}")
    profile = document.get(name or "default")
    if profile is None:
        if name is not None:
            _usage(f"--profile {name}: no [{name}] table in {path}")
        return {}
    if not isinstance(profile, dict):
        _usage(f"{path}: [{name or 'default'}] must be a table")
    unknown = set(profile) - PROFILE_KEYS
    if unknown:
        _usage(f"{path} [{name or 'default'}]: unknown keys {', '.join(sorted(unknown))}")
    return profile


def resolve(
    url: str | None, sdkappid: int | None, secret_key: str | None, identifier: str | None, profile: str | None
) -> Target:
    """Flags and environment (click has merged them) over the profile, over the defaults."""
    saved = load_profile(profile)
    url = url or saved.get("url") or DEFAULT_BASE_URL
    app = sdkappid if sdkappid is not None else saved.get("sdkappid")
    key = secret_key or saved.get("secret_key")
    if app is None:
        _usage("no SDKAppID: give --sdkappid, LIVEROOM_SDKAPPID or a profile")
    if not isinstance(app, int) or isinstance(app, bool):
        _usage("sdkappid: must be an integer")
    if not key:
        _usage("no secret key: give --secret-key, LIVEROOM_SECRET_KEY or a profile")
    return Target(str(url), app, str(key), str(identifier or saved.get("identifier") or "administrator"))


@contextlib.contextmanager
def connect(
    url: str | None,
    sdkappid: int | None,
    secret_key: str | None,
    identifier: str | None,
    profile: str | None,
    *,
    json_out: bool = False,
) -> Iterator[Client]:
    """An SDK client for the target; a failed call exits 1 with its code and info."""
    target = resolve(url, sdkappid, secret_key, identifier, profile)
    try:
        with Client(
            target.url, sdkappid=target.sdkappid, secret_key=target.secret_key, identifier=target.identifier
        ) as sdk:
            yield sdk
    except LiveroomError as error:
        if json_out:
            print(json.dumps({"ErrorCode": error.code, "ErrorInfo": error.info, "RequestId": error.request_id}))
        where = f" (RequestId {error.request_id})" if error.request_id else ""
        err.print(f"[red]error {error.code}:[/red] {escape(error.info)}{escape(where)}", soft_wrap=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as error:
        reason = escape(str(error) or type(error).__name__)
        err.print(f"[red]error:[/red] cannot reach {escape(target.url)}: {reason}", soft_wrap=True)
        raise typer.Exit(1) from None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _when(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S") if unix else ""


def _progress() -> Progress:
    """A spinner with a counter on stderr; Rich draws nothing when stderr is not a terminal."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True)


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


# rooms ----------------------------------------------------------------------------------------------------------


@rooms_cli.command("list")
def rooms_list(
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many rooms (default: all)")] = None,
    page_size: Annotated[int, typer.Option(min=1, max=20, help="Rooms per call")] = 20,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List public rooms, most viewed first (follows the pages for you)."""
    rooms = []
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk, _progress() as bar:
        task = bar.add_task("listing rooms", total=None)
        for room in sdk.rooms.iter_list(count=page_size):
            rooms.append(room)
            bar.update(task, description=f"listing rooms: {len(rooms)}")
            if limit is not None and len(rooms) >= limit:
                break
    if json_out:
        _print_json([r.to_wire() for r in rooms])
        return
    table = Table("RoomId", "RoomName", "Owner", "ViewCount", "Category", "Created (UTC)", title=f"{len(rooms)} rooms")
    for r in rooms:
        category = ",".join(str(c) for c in r.category)
        table.add_row(
            escape(r.room_id),
            escape(r.room_name),
            escape(r.owner_account),
            str(r.view_count),
            category,
            _when(r.create_time),
        )
    out.print(table)


@rooms_cli.command("get")
def rooms_get(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show one room."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        info = sdk.rooms.get_info(room_id).room_info
    if json_out:
        _print_json(info.to_wire())
        return
    table = Table("field", "value", title=f"room {escape(room_id)}")
    for name, value in info.to_wire().items():
        shown = _when(value) if name == "CreateTime" else json.dumps(value, ensure_ascii=False)
        table.add_row(name, escape(shown.strip('"') if isinstance(value, str) else shown))
    out.print(table)


NameOpt = Annotated[str | None, typer.Option("--name", help="RoomName (at most 100 bytes)")]
CoverOpt = Annotated[str | None, typer.Option("--cover-url", help="CoverURL")]
NoticeOpt = Annotated[str | None, typer.Option("--notice", help="Notice")]
CategoryOpt = Annotated[list[int] | None, typer.Option("--category", help="Category tag (repeat, at most 3)")]
MaxMembersOpt = Annotated[int | None, typer.Option("--max-members", help="MaxMemberCount")]
SeatModeOpt = Annotated[str | None, typer.Option("--take-seat-mode", help="FreeToTake or ApplyToTake")]
PublicOpt = Annotated[bool | None, typer.Option("--public/--private", help="IsPublicVisible (listed or not)")]


@rooms_cli.command("create")
def rooms_create(
    room_id: Annotated[str, typer.Argument(help="RoomId (1-48 printable ASCII bytes)")],
    name: NameOpt = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner_Account (default: the identifier)")] = None,
    room_type: Annotated[str, typer.Option("--type", help="RoomType")] = "Live",
    cover_url: CoverOpt = None,
    notice: NoticeOpt = None,
    category: CategoryOpt = None,
    max_members: MaxMembersOpt = None,
    max_seats: Annotated[int | None, typer.Option("--max-seats", help="MaxSeatCount")] = None,
    seat_template: Annotated[str | None, typer.Option("--seat-template", help="SeatTemplate (turns seats on)")] = None,
    take_seat_mode: SeatModeOpt = None,
    public: PublicOpt = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a room."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        created = sdk.rooms.create(
            room_id,
            room_type=room_type,
            room_name=name,
            owner_account=owner,
            cover_url=cover_url,
            notice=notice,
            category=category or None,
            max_member_count=max_members,
            max_seat_count=max_seats,
            seat_template=seat_template,
            take_seat_mode=take_seat_mode,
            is_public_visible=public,
        )
    if json_out:
        _print_json(created.to_wire())
    else:
        out.print(f"created room [bold]{escape(created.room_id)}[/bold]")


@rooms_cli.command("update")
def rooms_update(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    name: NameOpt = None,
    cover_url: CoverOpt = None,
    notice: NoticeOpt = None,
    category: CategoryOpt = None,
    max_members: MaxMembersOpt = None,
    take_seat_mode: SeatModeOpt = None,
    public: PublicOpt = None,
    activity_status: Annotated[int | None, typer.Option("--activity-status", help="ActivityStatus")] = None,
    messages: Annotated[
        bool | None, typer.Option("--messages-enabled/--messages-disabled", help="IsMessageDisabled, inverted")
    ] = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change the given fields of a room; the others keep their values."""
    changes = (name, cover_url, notice, category, max_members, take_seat_mode, public, activity_status, messages)
    if all(c is None for c in changes):
        _usage("nothing to change: give at least one field option (see --help)")
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        sdk.rooms.update(
            room_id,
            room_name=name,
            cover_url=cover_url,
            notice=notice,
            category=category,
            max_member_count=max_members,
            take_seat_mode=take_seat_mode,
            is_public_visible=public,
            activity_status=activity_status,
            is_message_disabled=None if messages is None else not messages,
        )
    if json_out:
        _print_json({})
    else:
        out.print(f"updated room [bold]{escape(room_id)}[/bold]")


@rooms_cli.command("destroy")
def rooms_destroy(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Dismiss a room (it, its members and its metadata are gone) and show its statistics."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        result = sdk.rooms.destroy(room_id)
    if json_out:
        _print_json(result.to_wire())
        return
    table = Table("statistic", "value", title=f"destroyed room {escape(room_id)}")
    for name, value in result.statistic.to_wire().items():
        table.add_row(name, str(value))
    out.print(table)


# accounts -------------------------------------------------------------------------------------------------------

UserIdsArg = Annotated[list[str], typer.Argument(help="UserIDs (any number; sent 100 a call)")]


@accounts_cli.command("import")
def accounts_import(
    user_ids: UserIdsArg,
    nick: Annotated[str | None, typer.Option("--nick", help="Nickname (one UserID only)")] = None,
    face_url: Annotated[str | None, typer.Option("--face-url", help="Avatar URL (one UserID only)")] = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import accounts (creates them, or updates the nickname and avatar of one)."""
    if (nick is not None or face_url is not None) and len(user_ids) != 1:
        _usage("--nick and --face-url apply to one UserID at a time")
    failed: list[str] = []
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        if len(user_ids) == 1:
            sdk.accounts.import_(user_ids[0], nick=nick, face_url=face_url)
        else:
            with _progress() as bar:
                task = bar.add_task("importing", total=len(user_ids))
                for batch in _batches(user_ids):
                    answer = sdk.accounts.import_many(account_list=[AccountItem(user_id=u) for u in batch])
                    failed += answer.fail_accounts
                    bar.advance(task, len(batch))
    if json_out:
        _print_json({"FailAccounts": failed})
    else:
        out.print(f"imported {len(user_ids) - len(failed)} of {len(user_ids)} accounts")
    if failed:
        err.print(f"[red]failed:[/red] {escape(', '.join(failed))}")
        raise typer.Exit(1)


@accounts_cli.command("check")
def accounts_check(
    user_ids: UserIdsArg,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Tell which UserIDs are imported."""
    items = []
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        for batch in _batches(user_ids):
            items += sdk.accounts.check(batch).result_item
    if json_out:
        _print_json([i.to_wire() for i in items])
        return
    table = Table("UserID", "AccountStatus")
    for i in items:
        table.add_row(escape(i.user_id), i.account_status)
    out.print(table)


@accounts_cli.command("delete")
def accounts_delete(
    user_ids: UserIdsArg,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Delete accounts; exits 1 when any of them could not be deleted."""
    items = []
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        for batch in _batches(user_ids):
            items += sdk.accounts.delete(batch).result_item
    if json_out:
        _print_json([i.to_wire() for i in items])
    else:
        table = Table("UserID", "ResultCode", "ResultInfo")
        for i in items:
            table.add_row(escape(i.user_id), str(i.result_code), escape(i.result_info))
        out.print(table)
    if any(i.result_code != 0 for i in items):
        raise typer.Exit(1)


# metadata -------------------------------------------------------------------------------------------------------


@metadata_cli.command("get")
def metadata_get(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    keys: Annotated[list[str] | None, typer.Argument(help="Keys to read (default: all)")] = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Read a room's metadata."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        answer = sdk.metadata.get(room_id, keys=keys or None)
    if json_out:
        _print_json(answer.to_wire())
        return
    table = Table("Key", "Value", title=f"metadata of {escape(room_id)}")
    for pair in answer.metadata:
        table.add_row(escape(pair.key), escape(pair.value))
    out.print(table)


@metadata_cli.command("set")
def metadata_set(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    pairs: Annotated[list[str], typer.Argument(help="KEY=VALUE (repeat)")],
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add or overwrite keys."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _usage(f"{pair!r}: expected KEY=VALUE")
        values[key] = value
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        sdk.metadata.set(room_id, values)
    if json_out:
        _print_json({})
    else:
        out.print(f"set {len(values)} keys on {escape(room_id)}")


@metadata_cli.command("del")
def metadata_del(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    keys: Annotated[list[str], typer.Argument(help="Keys to remove")],
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove keys (keys that are not there are ignored)."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        sdk.metadata.delete(room_id, keys)
    if json_out:
        _print_json({})
    else:
        out.print(f"removed {len(keys)} keys from {escape(room_id)}")


# call -----------------------------------------------------------------------------------------------------------


def call(
    service: Annotated[str, typer.Argument(help="Service, e.g. live_engine_http_srv")],
    command: Annotated[str, typer.Argument(help="Command, e.g. get_room_info")],
    data: Annotated[str, typer.Option("--data", "-d", help="JSON body; @FILE reads a file, - reads stdin")] = "{}",
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Call any API by name and print the whole answer as JSON."""
    try:
        text = sys.stdin.read() if data == "-" else Path(data[1:]).read_text("utf-8") if data.startswith("@") else data
        body = json.loads(text)
    except (OSError, ValueError) as exc:
        _usage(f"--data: {exc}")
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=True) as sdk:
        answer = sdk.call(service, command, body)
    _print_json(answer)


def register(cli: typer.Typer) -> None:
    """Add the remote commands to the ``liveroom`` command."""
    cli.add_typer(rooms_cli, name="rooms")
    cli.add_typer(accounts_cli, name="accounts")
    cli.add_typer(metadata_cli, name="metadata")
    cli.command("call")(call)
