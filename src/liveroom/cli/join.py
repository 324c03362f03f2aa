"""``liveroom join ROOM --as USER``: be a member of a room from a shell, on the SDK's ``RealtimeClient``.

Connects to the server's realtime gateway as USER (an imported account; the UserSig is minted from the app's
secret key, found as for the other remote commands), enters ROOM and prints its events as they come, one line
each with the time and who. Lines typed (or piped) on stdin are sent as text messages, except commands::

    /like [N]          like the room (N times, default 1)
    /gift GIFT [N]     send N gifts GIFT (a GiftId, default N 1) to the room's owner
    /seat N            take seat N (or apply for it in an ApplyToTake room)
    /leave-seat        leave your seat
    /approve USER      approve USER's seat application (owner and admins)
    /reject USER       reject it
    /members           list the members online (the owner and admins first)
    /cancel            take back your seat application
    /accept, /decline  answer your invitation to a seat
  the owner and admins:
    /kick USER         take USER out of the room (no ban: they may come back)
    /ban USER [S]      ban USER for S seconds (default 3600)
    /mute USER [S]     mute USER for S seconds (default 600; 0 unmutes)
    /invite USER N     invite USER to seat N
    /uninvite USER     cancel USER's invitation
    /kick-seat USER    take USER off their seat
    /mic-off USER, /mic-on USER   close or open the microphone of USER on a seat
  the owner, co-hosting (docs/realtime.md):
    /connect ROOM...   ask the owners of ROOMs to connect with your room (a code per room)
    /uncall ROOM...    take those requests back
    /link ROOM, /unlink ROOM     accept or reject ROOM's request to connect
    /disconnect        disconnect your room from the rooms it is connected to
    /battle S ROOM...  ask connected ROOMs for a battle of S seconds
    /fight ID, /refuse ID, /call-off ID   accept, reject or take back battle request ID
    /quit              leave the room and exit (as do end of input and Ctrl-C)
    //text             send "/text" as a message

Events go to stdout, answers and errors to stderr. Exit status: 0 after leaving or when the room is dismissed;
1 when the connection or entering fails, the server closes the connection, or USER is banned or kicked out;
2 for a usage or configuration error.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TextIO

import typer
from rich.markup import escape
from websockets.exceptions import WebSocketException

from liveroom.cli.remote import ProfileOpt, SdkAppIdOpt, SecretKeyOpt, Target, UrlOpt, err, out, resolve
from liveroom.client import ConnectionClosedError, LiveroomError, RealtimeClient, RoomEvent
from liveroom.client.realtime import (
    AdminsChanged,
    BattleRequestReceived,
    CoHost,
    ConnectionRequestReceived,
    ConnectionUserListChanged,
    CustomMessage,
    GiftSent,
    KickedOffSeat,
    KickedOutOfRoom,
    Liked,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MemberMuted,
    MemberUnbanned,
    MetadataChanged,
    MetadataDeleted,
    MicrophoneChanged,
    PickedOnSeat,
    RobotsChanged,
    RoomDismissed,
    RoomInfoChanged,
    SeatApplication,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
    TextMessage,
)

HELP = (
    "type a message and Enter; /like [N], /gift GIFT [N], /seat N, /leave-seat, /cancel, /accept, /decline, /members,"
    " /quit; the owner and admins: /approve USER, /reject USER, /kick USER, /ban USER [S], /mute USER [S],"
    " /invite USER N, /uninvite USER, /kick-seat USER, /mic-off USER, /mic-on USER; the owner: /connect ROOM...,"
    " /uncall ROOM..., /link ROOM, /unlink ROOM, /disconnect, /battle S ROOM..., /fight ID, /refuse ID, /call-off ID"
)
_LEFT = {
    "left": "left",
    "disconnected": "disconnected",
    "timeout": "timed out",
    "banned": "was removed (banned)",
    "kicked": "was kicked out",
}
# How many names the line that says the room was entered shows (the first page of the member list).
_ENTRY_NAMES = 20


class _Quit(Exception):
    pass


def _until(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _names(accounts: list[str]) -> str:
    return escape(", ".join(accounts))


def _hosts(hosts: list[CoHost]) -> str:
    return escape(", ".join(f"{h.room_id} ({h.owner_account})" for h in hosts))


def describe(event: RoomEvent) -> tuple[str, str]:
    """Who (Rich markup) and what happened (Rich markup), for one line."""
    who = escape(event.operator_account) or "[dim]server[/dim]"
    if isinstance(event, TextMessage):
        extra = f" [dim]{escape(event.extension_info)}[/dim]" if event.extension_info else ""
        return f"[bold]{escape(event.sender_account)}[/bold]:", escape(event.text_content) + extra
    if isinstance(event, CustomMessage):
        return escape(event.sender_account), f"sent {escape(event.business_id)}: {escape(event.payload)}"
    if isinstance(event, Liked):
        return escape(event.sender_account), f"liked x{event.count}"
    if isinstance(event, GiftSent):
        totals = f"#{event.sequence}; the room: {event.total_gifts_sent:,} gifts, {event.total_gift_coins:,} coins"
        gifts = f"sent {event.count} x {escape(event.gift_id)} to {_names(event.receiver_list_account)}"
        return escape(event.sender_account), f"{gifts} [dim]({totals})[/dim]"
    if isinstance(event, MemberEntered):
        return escape(event.member_account), f"entered ({event.member_count} online, {event.view_count} views)"
    if isinstance(event, MemberLeft):
        how = _LEFT.get(event.reason, escape(event.reason))
        return escape(event.member_account), f"{how} ({event.member_count} online)"
    if isinstance(event, SeatListChanged):
        seats = [
            f"{s.index}:{escape(s.member_account) or ('locked' if s.is_taken_disabled else '-')}"
            for s in event.seat_list
        ]
        return who, "changed the seats: " + " ".join(seats)
    if isinstance(event, PickedOnSeat):
        return who, f"put {escape(event.member_account)} on seat {event.index}"
    if isinstance(event, KickedOffSeat):
        data = f" ({escape(event.payload)})" if event.payload else ""
        return who, f"took {escape(event.member_account)} off seat {event.index}{data}"
    if isinstance(event, SeatApplication):
        user = escape(event.member_account)
        return user, f"asks for seat {event.index} [dim](/approve {user} or /reject {user})[/dim]"
    if isinstance(event, SeatApplicationResult):
        by = f" by {who}" if event.operator_account else ""
        return escape(event.member_account), f"seat {event.index} application {escape(event.result)}{by}"
    if isinstance(event, SeatInvitation):
        return who, f"invites {escape(event.member_account)} to seat {event.index} [dim](/accept or /decline)[/dim]"
    if isinstance(event, SeatInvitationResult):
        by = f" by {who}" if event.operator_account else ""
        return escape(event.member_account), f"seat {event.index} invitation {escape(event.result)}{by}"
    if isinstance(event, MicrophoneChanged):
        state = "opened" if event.is_open else "closed"
        return who, f"{state} the microphone of {escape(event.member_account)} (seat {event.index})"
    if isinstance(event, KickedOutOfRoom):
        return who, f"kicked {escape(event.member_account)} out of the room"
    if isinstance(event, MemberBanned):
        why = f": {escape(event.reason)}" if event.reason else ""
        return who, f"banned {_names(event.member_list_account)} until {_until(event.banned_until)}{why}"
    if isinstance(event, MemberUnbanned):
        return who, f"unbanned {_names(event.member_list_account)}"
    if isinstance(event, MemberMuted):
        if not event.muted_until:
            return who, f"unmuted {_names(event.member_list_account)}"
        return who, f"muted {_names(event.member_list_account)} until {_until(event.muted_until)}"
    if isinstance(event, AdminsChanged):
        verb = "made admin" if event.op_type == "add" else "removed from admins"
        return who, f"{verb}: {_names(event.admin_account)}"
    if isinstance(event, RoomInfoChanged):
        changes = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in event.data.items())
        return who, f"changed the room: {escape(changes)}"
    if isinstance(event, MetadataChanged):
        return who, "set metadata " + escape(", ".join(f"{p.key}={p.value}" for p in event.metadata))
    if isinstance(event, MetadataDeleted):
        return who, f"removed metadata {_names(event.keys)}"
    if isinstance(event, RobotsChanged):
        verb = "added robots" if event.op_type == "add" else "removed robots"
        return who, f"{verb} {_names(event.robot_list_account)}"
    if isinstance(event, ConnectionUserListChanged):
        rooms = _hosts(event.connected_list) or "none"
        change = "; ".join(
            f"{verb} {_hosts(hosts)}"
            for verb, hosts in (("joined", event.joined_list), ("left", event.left_list))
            if hosts
        )
        return who, f"co-hosts changed: {change} (connected: {rooms})"
    if isinstance(event, ConnectionRequestReceived):
        room = escape(event.inviter.room_id)
        return who, f"asks to connect {room} with this room [dim](/link {room} or /unlink {room})[/dim]"
    if isinstance(event, BattleRequestReceived):
        battle = escape(event.battle_id)
        what = f"asks for a battle of {event.duration // 1000} s"
        return who, f"{what} [dim](/fight {battle} or /refuse {battle})[/dim]"
    if isinstance(event, RoomDismissed):
        return who, "dismissed the room" + (f" ({escape(event.reason)})" if event.reason else "")
    return who, f"{escape(event.kind)} {escape(json.dumps(event.data, ensure_ascii=False))}"


def show(event: RoomEvent) -> None:
    who, what = describe(event)
    now = datetime.now().astimezone().strftime("%H:%M:%S")
    out.print(f"[dim]{now}[/dim] {who} {what}", soft_wrap=True)


def _note(message: str) -> None:
    err.print(message, soft_wrap=True)


# the session ----------------------------------------------------------------------------------------------------


def _read_lines(stream: TextIO, put: Callable[[str | None], None]) -> None:
    """In a daemon thread: every line of ``stream``, then ``None`` at its end (a blocked read never holds up exit)."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        fd = -1
    try:
        if fd < 0:
            while line := stream.readline():
                put(line)
            return
        # Straight from the descriptor: a thread blocked inside the buffered stdin object would hold its lock,
        # and the interpreter aborts when it finds that lock taken as it shuts down.
        decoder = codecs.getincrementaldecoder(stream.encoding or "utf-8")(errors="replace")
        pending = ""
        while chunk := os.read(fd, 65536):
            *lines, pending = (pending + decoder.decode(chunk)).split("\n")
            for line in lines:
                put(line + "\n")
        if pending := pending + decoder.decode(b"", final=True):
            put(pending)
    except (OSError, ValueError):
        pass
    finally:
        put(None)


async def _command(client: RealtimeClient, room_id: str, line: str) -> None:
    name, _, rest = line.partition(" ")
    arg = rest.strip()
    if name == "/quit":
        raise _Quit
    if name == "/like":
        await client.like(room_id, int(arg) if arg else 1)
    elif name == "/gift" and arg:
        gift_id, _, count = arg.partition(" ")
        await client.send_gift(room_id, gift_id, int(count) if count.strip() else 1)
    elif name == "/seat" and arg:
        index = int(arg)
        if await client.take_seat(room_id, index) == "applied":
            _note(f"applied for seat {index}; waiting for the owner or an admin")
    elif name == "/leave-seat":
        await client.leave_seat(room_id)
    elif name in {"/approve", "/reject"} and arg:
        result = await client.answer_seat(room_id, arg, approve=name == "/approve")
        _note(f"{escape(arg)}: {escape(result)}")
    elif name in _MODERATION and arg:
        await _moderate(client, room_id, name, arg)
    elif name in _COHOSTING and (arg or name == "/disconnect"):
        await _cohost(client, room_id, name, arg.split())
    elif name in {"/accept", "/decline"}:
        _note(f"invitation: {escape(await client.answer_invitation(room_id, name == '/accept'))}")
    elif name == "/cancel":
        await client.cancel_application(room_id)
        _note("application cancelled")
    elif name == "/members":
        members = [member async for member in client.iter_members(room_id)]
        _note(f"{len(members)} online: {_names(members)}")
    elif name == "/help":
        _note(HELP)
    else:
        _note(f"[red]unknown command[/red] {escape(line)}; {HELP}")


_MODERATION = {"/kick", "/ban", "/mute", "/invite", "/uninvite", "/kick-seat", "/mic-off", "/mic-on"}


async def _moderate(client: RealtimeClient, room_id: str, name: str, arg: str) -> None:
    user, _, rest = arg.partition(" ")
    number = int(rest) if rest.strip() else None
    if name == "/kick":
        await client.kick_member(room_id, [user])
    elif name == "/ban":
        await client.ban_member(room_id, [user], 3600 if number is None else number)
    elif name == "/mute":
        await client.mute_member(room_id, [user], 600 if number is None else number)
    elif name == "/invite":
        if number is None:
            raise ValueError("/invite USER N")
        await client.invite_to_seat(room_id, user, number)
    elif name == "/uninvite":
        await client.cancel_invitation(room_id, user)
    elif name == "/kick-seat":
        await client.kick_user_off_seat(room_id, user)
    elif name == "/mic-off":
        await client.close_microphone(room_id, user)
    else:
        await client.open_microphone(room_id, user)
    _note(f"{escape(name[1:])} {escape(user)}: done")


_COHOSTING = {"/connect", "/uncall", "/link", "/unlink", "/disconnect", "/battle", "/fight", "/refuse", "/call-off"}


async def _cohost(client: RealtimeClient, room_id: str, name: str, args: list[str]) -> None:
    if name == "/connect":
        results = await client.request_connection(room_id, args)
        _note("connect: " + ", ".join(f"{escape(r.room_id)} {r.result_code}" for r in results))
        return
    if name == "/battle":
        seconds, *rooms = args
        offer = await client.request_battle(room_id, int(seconds) * 1000, room_ids=rooms)
        codes = ", ".join(f"{escape(r.room_id)} {r.result_code}" for r in offer.result)
        _note(f"battle {escape(offer.battle_id) or '(none)'}: {codes}")
        return
    if name == "/uncall":
        await client.cancel_connection_request(room_id, args)
    elif name in {"/link", "/unlink"}:
        answer = client.accept_connection if name == "/link" else client.reject_connection
        await answer(room_id, args[0])
    elif name == "/disconnect":
        await client.disconnect(room_id)
    else:
        battle_id = args[0]
        act = {"/fight": client.accept_battle, "/refuse": client.reject_battle}.get(name, client.cancel_battle_request)
        await act(room_id, battle_id)
    _note(f"{escape(name[1:])}: done")


async def _commands(client: RealtimeClient, room_id: str, lines: asyncio.Queue[str | None]) -> None:
    """Send what is typed until /quit or the end of input; a refused request is reported and typing goes on."""
    while (line := await lines.get()) is not None:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            if text.startswith("//"):
                await client.send_text(room_id, text[1:])
            elif text.startswith("/"):
                await _command(client, room_id, text)
            else:
                await client.send_text(room_id, text)
        except _Quit:
            return
        except ConnectionClosedError:
            return  # the event printer reports it
        except LiveroomError as error:
            _note(f"[red]error {error.code}[/red] ({escape(error.reason)}): {escape(error.info)}")
        except ValueError:
            _note(f"[red]not a number:[/red] {escape(text)}")


async def _print_events(client: RealtimeClient, room_id: str, user: str) -> int:
    """Print the room's events until the connection ends (0) or USER is out of the room (dismissed 0, banned 1)."""
    async for event in client.events():
        if event.room_id != room_id:
            continue
        show(event)
        if isinstance(event, RoomDismissed):
            _note(f"the room {escape(room_id)} was dismissed")
            return 0
        if isinstance(event, MemberBanned) and user in event.member_list_account:
            _note(f"[red]you were banned from {escape(room_id)}[/red]")
            return 1
        if isinstance(event, KickedOutOfRoom) and event.member_account == user:
            _note(f"[red]you were kicked out of {escape(room_id)}[/red]")
            return 1
    return 0


async def _session(target: Target, room_id: str, user: str, stream: TextIO) -> int:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: we are exiting anyway
            loop.call_soon_threadsafe(lines.put_nowait, line)

    async with RealtimeClient(
        target.url, sdkappid=target.sdkappid, identifier=user, secret_key=target.secret_key
    ) as rt:
        entered = await rt.enter(room_id)
        info = entered.room_info
        first = [m.member_account for m in (await rt.get_member_list(room_id)).member_list[:_ENTRY_NAMES]]
        more = " ..." if info.member_count > len(first) else ""
        out.print(
            f"entered [bold]{escape(room_id)}[/bold] ({escape(info.room_name)}, owner {escape(info.owner_account)})"
            f" as {escape(user)}: {info.member_count} online: {_names(first)}{more}",
            soft_wrap=True,
        )
        _note(f"[dim]{HELP}[/dim]")
        threading.Thread(target=_read_lines, args=(stream, put), name="liveroom-join-stdin", daemon=True).start()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, put, None)  # Ctrl-C leaves like the end of input
        printer = asyncio.create_task(_print_events(rt, room_id, user))
        commands = asyncio.create_task(_commands(rt, room_id, lines))
        await asyncio.wait({printer, commands}, return_when=asyncio.FIRST_COMPLETED)
        if not printer.done():
            if room_id in rt.rooms:
                with contextlib.suppress(LiveroomError):
                    await rt.leave(room_id)
            await rt.close()
            status = await printer  # what came before leaving is still printed
            _note(f"left {escape(room_id)}")
            return status
        # Until it ends: before Python 3.12 a cancel that lands as a request's answer arrives is lost (wait_for).
        while not commands.done():
            commands.cancel()
            await asyncio.wait({commands}, timeout=0.1)
        return printer.result()


def join(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    user: Annotated[str, typer.Option("--as", help="The account (UserID) to join as; it must be imported")],
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Enter a room as a user, print its events as they come, and send what you type as messages."""
    target = resolve(url, sdkappid, secret_key, None, profile)
    try:
        status = asyncio.run(_session(target, room_id, user, sys.stdin))
    except ConnectionClosedError as closed:
        _note(f"[red]disconnected[/red] (close code {closed.code}): {escape(closed.info)}")
        raise typer.Exit(1) from None
    except LiveroomError as error:
        reason = f" ({escape(error.reason)})" if error.reason else ""
        _note(f"[red]error {error.code}[/red]{reason}: {escape(error.info)}")
        raise typer.Exit(1) from None
    except (OSError, WebSocketException, TimeoutError, ValueError) as error:
        _note(f"[red]error:[/red] cannot join on {escape(target.url)}: {escape(str(error) or type(error).__name__)}")
        raise typer.Exit(1) from None
    if status:
        raise typer.Exit(status)


def register(cli: typer.Typer) -> None:
    cli.command("join")(join)


__all__ = ["describe", "join", "register"]
