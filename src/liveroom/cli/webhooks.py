"""``liveroom webhooks status|list-dead|redeliver|test``: the outbox as an operator sees it, on the database."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from liveroom.cli.server import DatabaseOpt, JsonOpt, _with_apps, cli, out

if TYPE_CHECKING:
    from liveroom.domain.apps import AppManager
    from liveroom.store.interface import WebhookEvent
    from liveroom.webhooks.http import Reply
    from liveroom.webhooks.operator import AppStatus

# The most dead events one list-dead page shows (liveroom.webhooks.operator.DEAD_PAGE_MAX, which needs the server
# extra to import; tests/cli/test_webhooks.py keeps the two equal).
DEAD_PAGE_MAX = 1000
err = Console(stderr=True, highlight=False)
NEEDED_BY = "liveroom webhooks"

webhooks_cli = typer.Typer(
    help="The webhook outbox: what waits, what is dead, redelivery, and a test event.", no_args_is_help=True
)
cli.add_typer(webhooks_cli, name="webhooks")


@webhooks_cli.command("status")
def status(database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """Per app: the callback URL and commands, events waiting, dead, and the age of the oldest waiting."""

    async def action(m: AppManager) -> list[AppStatus]:
        from liveroom.webhooks import operator  # noqa: PLC0415 - the server extra, checked by _with_apps

        return await operator.status(m.store)

    apps = _with_apps(database, action, needed_by=NEEDED_BY)
    if json_out:
        print(json.dumps([{"SDKAppID": a.sdkappid, **_status_json(a)} for a in apps]))
        return
    table = Table("SDKAppID", "URL", "commands", "signed", "waiting", "dead", "oldest waiting")
    for a in apps:
        oldest = "-" if a.oldest_pending_seconds is None else f"{a.oldest_pending_seconds:.1f} s"
        table.add_row(
            str(a.sdkappid),
            escape(a.url or "(none)"),
            str(len(a.commands)),
            "yes" if a.signed else "no",
            str(a.pending),
            str(a.dead),
            oldest,
        )
    out.print(table)


def _status_json(a: AppStatus) -> dict[str, object]:
    return {
        "Url": a.url,
        "CallbackCommandList": a.commands,
        "Signed": a.signed,
        "Pending": a.pending,
        "Dead": a.dead,
        "OldestPendingSeconds": a.oldest_pending_seconds,
    }


@webhooks_cli.command("list-dead")
def list_dead(
    sdkappid: Annotated[int | None, typer.Option("--sdkappid", help="Only this app's")] = None,
    after: Annotated[int, typer.Option(help="Only events with a greater id (paging)")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=DEAD_PAGE_MAX)] = 100,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Events given up after 24 h of failed attempts, oldest first, with the last failure."""

    async def action(m: AppManager) -> list[WebhookEvent]:
        from liveroom.webhooks import operator  # noqa: PLC0415 - the server extra, checked by _with_apps

        return await operator.list_dead(m.store, sdkappid, after_id=after, limit=limit)

    events = _with_apps(database, action, needed_by=NEEDED_BY)
    rows = [
        {
            "Id": e.id,
            "SDKAppID": e.sdkappid,
            "RoomId": e.room_id,
            "CallbackCommand": e.command,
            "EventTime": e.event_time,
            "Attempts": e.attempts,
            "LastError": e.last_error,
        }
        for e in events
    ]
    if json_out:
        print(json.dumps(rows))
        return
    table = Table("id", "SDKAppID", "RoomId", "command", "EventTime (ms)", "attempts", "last error")
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row.values()))
    out.print(table)


@webhooks_cli.command("redeliver")
def redeliver(
    event_id: Annotated[int, typer.Argument(help="The dead event's id (list-dead)")], database: DatabaseOpt = None
) -> None:
    """Deliver a dead event again (in its room's order, with a new 24 h window); a running server sends it."""

    async def action(m: AppManager) -> None:
        from liveroom.webhooks import operator  # noqa: PLC0415 - the server extra, checked by _with_apps

        await operator.redeliver(m.store, event_id)

    _with_apps(database, action, needed_by=NEEDED_BY)
    out.print(f"event {event_id} will be delivered again")


@webhooks_cli.command("test")
def test(
    sdkappid: Annotated[int, typer.Argument(help="The app whose callback URL is tested")],
    database: DatabaseOpt = None,
) -> None:
    """POST a test event (Live.CallbackAfterCreateRoom of room liveroom-webhook-test) to the app's callback URL,
    signed as events are, and print what the receiver answered; exits 1 unless it answered 2xx."""

    async def action(m: AppManager) -> tuple[str, Reply]:
        from liveroom.webhooks import operator  # noqa: PLC0415 - the server extra, checked by _with_apps

        return await operator.send_test(m.store, sdkappid)

    command, reply = _with_apps(database, action, needed_by=NEEDED_BY)
    if reply.ok:
        out.print(f"{command}: HTTP {reply.status}")
    else:
        err.print(f"[red]{command}: {escape(reply.describe())}[/red]")
    if reply.body:
        print(reply.body.decode("utf-8", "replace"))
    if not reply.ok:
        raise typer.Exit(1)
