"""Co-hosting: room owners connect their rooms (at most 9 together) and ask the connected rooms for battles
(decisions.md section 10, tencent-live-api.md section 8.3).

Every fact lives in the store, so that any node answers for any room and a restart loses nothing: which rooms are
connected together (``room_connections``, one group id per set of linked rooms), and the requests waiting for an
answer with their deadlines (``connection_requests``, ``battle_requests``). A request ends once: answered,
cancelled or timed out by the one transaction that removed its row (the clock's sweep on any node, ``expire_due``).
A battle request starts its battle through ``battles.start_battle``, as REST create_battle does, once every invited
room has answered or its time is up, with the rooms that accepted (none: the battle ends as it is created,
OpType 2).

Codes of ``request_connection``, per invited room: 0 success, 1 no such room, 2 connecting (already connected with
yours, or a request between the two rooms is waiting), 3 connected to other rooms, 4 full (9 rooms, counting the
requests waiting), 5 retry (the room's owner is not in the room now). Codes of ``request_battle``, per invited room
or host: 0 success, 1 no such room (or the user owns none connected with yours), 2 already in a battle, 3 not
connected with your room.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence

import msgspec

from liveroom.domain import battles
from liveroom.domain.battles import NewBattle, now_ms, publish
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import (
    AnyRoomEvent,
    BattleRequestAccepted,
    BattleRequestCancelled,
    BattleRequestReceived,
    BattleRequestRejected,
    BattleRequestTimeout,
    CoHost,
    ConnectionRequestAccepted,
    ConnectionRequestCancelled,
    ConnectionRequestReceived,
    ConnectionRequestRejected,
    ConnectionRequestTimeout,
    ConnectionUserListChanged,
)
from liveroom.domain.refused import Refused
from liveroom.errors import ErrorCode, InvalidParameter
from liveroom.store.interface import AppRecord, Transaction
from liveroom.store.records import (
    BattleRequestRecord,
    BattleRequestRoomRecord,
    ConnectionRequestRecord,
    RoomConnectionRecord,
)

MAX_CONNECTED = 9
INVITED_MAX = MAX_CONNECTED - 1
TIMEOUT_MIN_SECONDS, TIMEOUT_MAX_SECONDS = 1, 600
EXTENSION_MAX_BYTES = 1024

# ResultCode of request_connection.
SUCCESS = 0
ROOM_NOT_EXISTS = 1
CONNECTING = 2
CONNECTING_OTHER_ROOM = 3
CONNECTION_FULL = 4
RETRY = 5
# ResultCode of request_battle (SUCCESS and ROOM_NOT_EXISTS as above).
IN_BATTLE = 2
NOT_CONNECTED = 3

_CONNECTION_MESSAGES = {
    SUCCESS: "",
    ROOM_NOT_EXISTS: "the room does not exist",
    CONNECTING: "the room is connected with yours, or a request between them is waiting",
    CONNECTING_OTHER_ROOM: "the room is connected to other rooms",
    CONNECTION_FULL: f"at most {MAX_CONNECTED} rooms are connected together",
    RETRY: "the room's owner is not in the room now; try again later",
}
_BATTLE_MESSAGES = {
    SUCCESS: "",
    ROOM_NOT_EXISTS: "no such room connected with yours",
    IN_BATTLE: "the room is already in a battle",
    NOT_CONNECTED: "the room is not connected with yours",
}

# answer of a room invited to a battle request
WAITING, ACCEPTED, REJECTED = 0, 1, 2


class RequestResult(msgspec.Struct, frozen=True):
    """The code of one invited room (``user_id``: the host it was invited by, for a battle asked of hosts)."""

    room_id: str
    code: int
    message: str
    user_id: str = ""


class BattleOffer(msgspec.Struct, frozen=True, kw_only=True):
    """What ``request_battle`` answers: the battle (``start_time`` 0 while its answers are awaited) and a code per
    invited room."""

    battle_id: str
    duration: int
    need_response: bool
    extension_info: str
    start_time: int
    end_time: int
    inviter: CoHost
    invitee_list: tuple[CoHost, ...]
    results: tuple[RequestResult, ...]


# checks -------------------------------------------------------------------------------------------------


def _check_rooms(field: str, room_id: str, listed: Sequence[str]) -> None:
    if not 1 <= len(listed) <= INVITED_MAX:
        raise InvalidParameter(f"{field}: 1..{INVITED_MAX} items")
    if len(set(listed)) < len(listed):
        raise InvalidParameter(f"{field}: an item is listed twice")
    if room_id in listed:
        raise InvalidParameter(f"{field}: must not list your own room")


def _check_common(timeout: int, extension_info: str) -> None:
    if not TIMEOUT_MIN_SECONDS <= timeout <= TIMEOUT_MAX_SECONDS:
        raise InvalidParameter(f"TimeoutSeconds: must be {TIMEOUT_MIN_SECONDS}..{TIMEOUT_MAX_SECONDS}")
    if len(extension_info.encode()) > EXTENSION_MAX_BYTES:
        raise InvalidParameter(f"ExtensionInfo: at most {EXTENSION_MAX_BYTES} bytes")


def _require_owner(owners: dict[str, str], caller: Caller, room_id: str) -> None:
    owner = owners.get(room_id)
    if owner is None:
        raise Refused(ErrorCode.ROOM_NOT_FOUND, "room_not_found", f"RoomId: room {room_id!r} does not exist")
    if owner != caller.identifier:
        raise Refused(ErrorCode.NO_PERMISSION, "not_owner", f"RoomId: only the owner of {room_id!r} may do this")


def _no_request(info: str) -> Refused:
    return Refused(ErrorCode.NOT_A_MEMBER, "no_request", info)


def _new_group_id() -> str:
    return base64.b64encode(secrets.token_bytes(18)).decode()


def _host(connection: RoomConnectionRecord) -> CoHost:
    return CoHost(connection.room_id, connection.owner_account)


async def _group_rooms(svc: Services, sdkappid: int, room_ids: Sequence[str]) -> list[str]:
    """The rooms connected with any of ``room_ids`` now, read without locks: the rows a write then locks first."""
    async with svc.store.read() as tx:
        connections = await tx.connections_of(sdkappid, room_ids)
        found: set[str] = set()
        for group_id in {c.group_id for c in connections.values()}:
            found |= {c.room_id for c in await tx.connection_group(sdkappid, group_id)}
    return sorted(found)


def _list_changes(
    sdkappid: int,
    operator: str,
    before: Sequence[RoomConnectionRecord],
    after: Sequence[RoomConnectionRecord],
    *,
    skip: str = "",
) -> list[AnyRoomEvent]:
    """``connection_user_list_changed`` for every room of a group that changed from ``before`` to ``after`` (the
    rooms still connected together; a room of ``before`` not in ``after`` is connected to none now)."""
    in_before = {c.room_id for c in before}
    in_after = {c.room_id for c in after}
    events: list[AnyRoomEvent] = []
    for room in dict.fromkeys(c.room_id for c in (*before, *after)):
        if room == skip:
            continue
        seen_before = before if room in in_before else ()
        seen_after = after if room in in_after else ()
        was, now = {c.room_id for c in seen_before}, {c.room_id for c in seen_after}
        joined = tuple(_host(c) for c in seen_after if c.room_id not in was and c.room_id != room)
        left = tuple(_host(c) for c in seen_before if c.room_id not in now and c.room_id != room)
        if joined or left:
            events.append(
                ConnectionUserListChanged(
                    sdkappid=sdkappid,
                    room_id=room,
                    operator=operator,
                    connected_list=tuple(_host(c) for c in seen_after),
                    joined_list=joined,
                    left_list=left,
                )
            )
    return events


# connections --------------------------------------------------------------------------------------------


async def request_connection(
    svc: Services, caller: Caller, room_id: str, room_ids: Sequence[str], seconds: int, extension_info: str
) -> list[RequestResult]:
    """The owner of ``room_id`` asks the owners of ``room_ids`` to connect with it; a code per room. Each room asked
    successfully gets ``connection_request_received``; the request waits ``seconds``."""
    _check_rooms("RoomIdList", room_id, room_ids)
    _check_common(seconds, extension_info)
    sdkappid, at = caller.sdkappid, now_ms(svc)
    linked = await _group_rooms(svc, sdkappid, [room_id])
    invited: list[str] = []
    async with svc.store.write() as tx:
        owners = await tx.lock_battle_rooms(sdkappid, [room_id, *room_ids, *linked])
        _require_owner(owners, caller, room_id)
        connections = await tx.connections_of(sdkappid, [room_id, *room_ids])
        mine = connections.get(room_id)
        group = await tx.connection_group(sdkappid, mine.group_id) if mine is not None else []
        pending = await tx.connection_requests_of(sdkappid, room_id)
        asked = {r.to_room_id for r in pending if r.from_room_id == room_id}
        answering = {r.from_room_id for r in pending if r.to_room_id == room_id}
        in_group = {c.room_id for c in group}
        size = max(1, len(group)) + len(asked)
        results = []
        for target in room_ids:
            if target not in owners:
                code = ROOM_NOT_EXISTS
            elif target in in_group or target in asked or target in answering:
                code = CONNECTING
            elif target in connections:
                code = CONNECTING_OTHER_ROOM
            elif size >= MAX_CONNECTED:
                code = CONNECTION_FULL
            elif not await svc.presence.is_present(sdkappid, target, owners[target]):
                code = RETRY
            else:
                code = SUCCESS
                size += 1
                invited.append(target)
                request = ConnectionRequestRecord(
                    sdkappid, room_id, target, caller.identifier, owners[target], extension_info, at + seconds * 1000
                )
                await tx.insert_connection_request(request)
            results.append(RequestResult(target, code, _CONNECTION_MESSAGES[code]))
    inviter = CoHost(room_id, caller.identifier)
    invitees = tuple(CoHost(target, owners[target]) for target in invited)
    await publish(
        svc,
        [
            ConnectionRequestReceived(
                sdkappid=sdkappid,
                room_id=invitee.room_id,
                operator=caller.identifier,
                recipients=frozenset({invitee.owner_account}),
                inviter=inviter,
                invitee_list=invitees,
                extension_info=extension_info,
                timeout=seconds,
            )
            for invitee in invitees
        ],
    )
    return results


async def cancel_connection_request(svc: Services, caller: Caller, room_id: str, room_ids: Sequence[str]) -> None:
    """The owner of ``room_id`` takes back its requests to ``room_ids`` (those still waiting)."""
    _check_rooms("RoomIdList", room_id, room_ids)
    sdkappid = caller.sdkappid
    async with svc.store.write() as tx:
        _require_owner(await tx.lock_battle_rooms(sdkappid, [room_id]), caller, room_id)
        at = now_ms(svc)
        taken = [r for target in room_ids if (r := await tx.take_connection_request(sdkappid, room_id, target, at))]
    if not taken:
        raise _no_request("RoomIdList: no request of yours to these rooms is waiting")
    await publish(
        svc,
        [
            ConnectionRequestCancelled(
                sdkappid=sdkappid,
                room_id=r.to_room_id,
                operator=caller.identifier,
                recipients=frozenset({r.invitee}),
                inviter=CoHost(room_id, r.inviter),
            )
            for r in taken
        ],
    )


async def accept_connection(svc: Services, caller: Caller, room_id: str, from_room_id: str) -> None:
    """The owner of ``room_id`` accepts the request of ``from_room_id``: the room joins the inviter's rooms, whose
    members (and its own) get ``connection_user_list_changed``; the inviter gets ``connection_request_accepted``."""
    sdkappid, at = caller.sdkappid, now_ms(svc)
    linked = await _group_rooms(svc, sdkappid, [room_id, from_room_id])
    async with svc.store.write() as tx:
        owners = await tx.lock_battle_rooms(sdkappid, [room_id, from_room_id, *linked])
        _require_owner(owners, caller, room_id)
        request = await tx.take_connection_request(sdkappid, from_room_id, room_id, at)
        if request is None or from_room_id not in owners:
            raise _no_request(f"FromRoomId: no request from {from_room_id!r} to your room is waiting")
        connections = await tx.connections_of(sdkappid, [room_id, from_room_id])
        if room_id in connections:
            raise Refused(
                ErrorCode.NO_PERMISSION,
                "connected_to_other_room",
                f"RoomId: {room_id!r} is connected to other rooms; disconnect first",
            )
        theirs = connections.get(from_room_id)
        if theirs is None:
            group: list[RoomConnectionRecord] = []
            added = [RoomConnectionRecord(from_room_id, _new_group_id(), owners[from_room_id], at)]
        else:
            group = await tx.connection_group(sdkappid, theirs.group_id)
            added = []
        if len(group) + len(added) >= MAX_CONNECTED:
            raise Refused(
                ErrorCode.NO_PERMISSION, "connection_full", f"FromRoomId: at most {MAX_CONNECTED} rooms connect"
            )
        group_id = added[0].group_id if added else group[0].group_id
        # Strictly later than every room of the group: the group lists its rooms in the order they joined.
        joined_ms = max(at, *(c.connected_ms + 1 for c in (*group, *added)))
        added.append(RoomConnectionRecord(room_id, group_id, caller.identifier, joined_ms))
        await tx.connect_rooms(sdkappid, added)
    accepted = ConnectionRequestAccepted(
        sdkappid=sdkappid,
        room_id=from_room_id,
        operator=caller.identifier,
        recipients=frozenset({request.inviter}),
        invitee=CoHost(room_id, caller.identifier),
    )
    await publish(svc, [accepted, *_list_changes(sdkappid, caller.identifier, group, [*group, *added])])


async def reject_connection(svc: Services, caller: Caller, room_id: str, from_room_id: str) -> None:
    """The owner of ``room_id`` rejects the request of ``from_room_id``: the inviter gets
    ``connection_request_rejected``."""
    sdkappid, at = caller.sdkappid, now_ms(svc)
    async with svc.store.write() as tx:
        _require_owner(await tx.lock_battle_rooms(sdkappid, [room_id]), caller, room_id)
        request = await tx.take_connection_request(sdkappid, from_room_id, room_id, at)
    if request is None:
        raise _no_request(f"FromRoomId: no request from {from_room_id!r} to your room is waiting")
    rejected = ConnectionRequestRejected(
        sdkappid=sdkappid,
        room_id=from_room_id,
        operator=caller.identifier,
        recipients=frozenset({request.inviter}),
        invitee=CoHost(room_id, caller.identifier),
    )
    await publish(svc, [rejected])


async def disconnect(svc: Services, caller: Caller, room_id: str) -> None:
    """The owner of ``room_id`` disconnects it from the rooms it is connected to (the last room left is connected
    to none either); the room leaves the battle it takes part in."""
    sdkappid = caller.sdkappid
    linked = await _group_rooms(svc, sdkappid, [room_id])
    async with svc.store.write() as tx:
        _require_owner(await tx.lock_battle_rooms(sdkappid, [room_id, *linked]), caller, room_id)
        events = await _leave_group(svc, tx, caller, room_id)
        if events is None:
            raise Refused(ErrorCode.NOT_A_MEMBER, "not_connected", f"RoomId: {room_id!r} is connected to no room")
        events += await battles.leave_battles(svc, tx, caller, room_id)
    await publish(svc, events)


async def _leave_group(
    svc: Services, tx: Transaction, caller: Caller, room_id: str, *, gone: bool = False
) -> list[AnyRoomEvent] | None:
    """Take the room out of its group, in ``tx`` (None: it is in none); the events to publish after the commit
    (``gone``: none for the room itself, which is dismissed)."""
    mine = (await tx.connections_of(caller.sdkappid, [room_id])).get(room_id)
    if mine is None:
        return None
    before = await tx.connection_group(caller.sdkappid, mine.group_id)
    after = [c for c in before if c.room_id != room_id]
    if len(after) < 2:
        after = []
    await tx.disconnect_rooms(caller.sdkappid, [c.room_id for c in before if c not in after])
    return _list_changes(caller.sdkappid, caller.identifier, before, after, skip=room_id if gone else "")


async def room_gone(svc: Services, tx: Transaction, caller: Caller, room_id: str) -> list[AnyRoomEvent]:
    """The room is being dismissed (in ``tx``): it leaves its connections, its requests waiting end (those it made
    are cancelled, those it was sent rejected), and the events to publish once ``tx`` has committed."""
    sdkappid, operator = caller.sdkappid, caller.identifier
    events = await _leave_group(svc, tx, caller, room_id, gone=True) or []
    for r in await tx.take_connection_requests_of(sdkappid, room_id):
        if r.from_room_id == room_id:
            cancelled = ConnectionRequestCancelled(
                sdkappid=sdkappid,
                room_id=r.to_room_id,
                operator=operator,
                recipients=frozenset({r.invitee}),
                inviter=CoHost(room_id, r.inviter),
            )
            events.append(cancelled)
        else:
            rejected = ConnectionRequestRejected(
                sdkappid=sdkappid,
                room_id=r.from_room_id,
                operator=operator,
                recipients=frozenset({r.inviter}),
                invitee=CoHost(room_id, r.invitee),
            )
            events.append(rejected)
    for battle_id in await tx.battle_requests_of(sdkappid, room_id):
        request = await tx.get_battle_request(sdkappid, battle_id)
        if request is None:
            continue
        if request.from_room_id == room_id:
            events += await _cancel_battle_request(tx, caller, request)
        elif await tx.answer_battle_request(sdkappid, battle_id, room_id, REJECTED):
            rooms = await tx.battle_request_rooms(sdkappid, battle_id)
            owner = next(r.owner_account for r in rooms if r.room_id == room_id)
            events.append(_battle_answer(request, CoHost(room_id, owner), operator, accept=False))
            events += await _resolve_if_answered(svc, tx, caller.app, request)
    return events


async def owner_left(svc: Services, caller: Caller, room_id: str, owner: str, reason: str) -> None:
    """The owner left the room (``reason`` as members leave). A room whose owner dropped (disconnected, timed out)
    stays connected for the reconnect window; otherwise, or when they are not back by then, it leaves its group
    (``expire_due``). The deadline is stored, so any node ends it, once."""
    grace = svc.reconnect_seconds if reason in {"disconnected", "timeout"} else 0
    async with svc.store.write() as tx:
        await tx.note_owner_gone(caller.sdkappid, room_id, owner, now_ms(svc) + round(grace * 1000))


async def owners_banned(svc: Services, caller: Caller, room_id: str, accounts: Sequence[str]) -> None:
    """Members of ``room_id`` were banned: the rooms connected with it that they own leave its group (a room is not
    connected to a room that banned its host), and their battles."""
    sdkappid = caller.sdkappid
    async with svc.store.read() as tx:
        mine = (await tx.connections_of(sdkappid, [room_id])).get(room_id)
        group = await tx.connection_group(sdkappid, mine.group_id) if mine is not None else []
    banned = [c.room_id for c in group if c.owner_account in accounts and c.room_id != room_id]
    for room in banned:
        await _take_out(svc, caller, room)


async def _take_out(svc: Services, caller: Caller, room_id: str, *, due_ms: int | None = None) -> bool:
    """The room leaves its group and its battle (its owner is gone, or banned by a linked room); ``due_ms``: only
    if its owner's deadline has passed then, and this transaction is the one to take it. False: nothing to do."""
    linked = await _group_rooms(svc, caller.sdkappid, [room_id])
    async with svc.store.write() as tx:
        await tx.lock_battle_rooms(caller.sdkappid, [room_id, *linked])
        if due_ms is not None and not await tx.take_owner_gone(caller.sdkappid, room_id, due_ms):
            return False
        events = await _leave_group(svc, tx, caller, room_id)
        if events is None:
            return False
        events += await battles.leave_battles(svc, tx, caller, room_id)
    await publish(svc, events)
    return True


# battle requests ----------------------------------------------------------------------------------------


async def request_battle(
    svc: Services,
    caller: Caller,
    room_id: str,
    *,
    duration: int,
    need_response: bool,
    extension_info: str,
    room_ids: Sequence[str],
    user_ids: Sequence[str],
    seconds: int,
) -> BattleOffer:
    """The owner of ``room_id`` asks rooms connected with it (by RoomId, or by their owners' UserIds) for a battle
    of ``duration`` ms; a code per room. With ``need_response`` each invited owner gets
    ``battle_request_received`` and the battle starts once all have answered or ``seconds`` have passed;
    without, it starts at once."""
    if bool(room_ids) == bool(user_ids):
        raise InvalidParameter("RoomIdList: give the rooms (RoomIdList) or their owners (UserIdList), one of them")
    by_user = bool(user_ids)
    listed = user_ids or room_ids
    _check_rooms("UserIdList" if by_user else "RoomIdList", "" if by_user else room_id, listed)
    if not battles.DURATION_MIN_MS <= duration <= battles.DURATION_MAX_MS:
        raise InvalidParameter(f"Duration: must be {battles.DURATION_MIN_MS}..{battles.DURATION_MAX_MS} (milliseconds)")
    _check_common(seconds, extension_info)
    sdkappid, at = caller.sdkappid, now_ms(svc)
    linked = await _group_rooms(svc, sdkappid, [room_id])
    events: list[AnyRoomEvent] = []
    start_time = end_time = 0
    battle_id = ""
    async with svc.store.write() as tx:
        owners = await tx.lock_battle_rooms(sdkappid, [room_id, *linked, *([] if by_user else room_ids)])
        _require_owner(owners, caller, room_id)
        mine = (await tx.connections_of(sdkappid, [room_id])).get(room_id)
        group = await tx.connection_group(sdkappid, mine.group_id) if mine is not None else []
        busy = await tx.busy_rooms(sdkappid, list(owners), at)
        if room_id in busy:
            raise Refused(ErrorCode.NO_PERMISSION, "in_battle", f"RoomId: {room_id!r} is already in a battle")
        others = [c for c in group if c.room_id != room_id]
        results = _battle_codes(others, owners, busy, listed, by_user=by_user)
        invited = [r.room_id for r in results if r.code == SUCCESS]
        if invited:
            battle_id = battles.new_battle_id()
            spec = NewBattle(
                from_room_id=room_id, to_room_id_list=tuple(invited), duration=duration, extension_info=extension_info
            )
            if need_response:
                deadline = at + seconds * 1000
                request = BattleRequestRecord(
                    sdkappid, battle_id, room_id, caller.identifier, duration, extension_info, seconds * 1000, deadline
                )
                await tx.insert_battle_request(
                    request, [BattleRequestRoomRecord(target, owners[target], WAITING) for target in invited]
                )
            else:
                battle, _, events = await battles.start_battle(svc, tx, caller, spec, battle_id=battle_id)
                start_time, end_time = battle.record.start_ms // 1000, battle.record.end_ms // 1000
    inviter = CoHost(room_id, caller.identifier)
    invitees = tuple(CoHost(target, owners[target]) for target in invited)
    if need_response:
        events = [
            BattleRequestReceived(
                sdkappid=sdkappid,
                room_id=invitee.room_id,
                operator=caller.identifier,
                recipients=frozenset({invitee.owner_account}),
                battle_id=battle_id,
                inviter=inviter,
                invitee_list=invitees,
                duration=duration,
                extension_info=extension_info,
                timeout=seconds,
            )
            for invitee in invitees
        ]
    await publish(svc, events)
    return BattleOffer(
        battle_id=battle_id,
        duration=duration,
        need_response=need_response,
        extension_info=extension_info,
        start_time=start_time,
        end_time=end_time,
        inviter=inviter,
        invitee_list=invitees,
        results=tuple(results),
    )


def _battle_codes(
    others: Sequence[RoomConnectionRecord],
    owners: dict[str, str],
    busy: dict[str, str],
    listed: Sequence[str],
    *,
    by_user: bool,
) -> list[RequestResult]:
    """The code of each room (or host) asked for a battle by a room connected with ``others``."""
    in_group = {c.room_id for c in others}
    room_of = {c.owner_account: c.room_id for c in others}
    results = []
    for item in listed:
        target = room_of.get(item, "") if by_user else item
        if target not in owners:
            code = ROOM_NOT_EXISTS
        elif target not in in_group:
            code = NOT_CONNECTED
        elif target in busy:
            code = IN_BATTLE
        else:
            code = SUCCESS
        results.append(RequestResult(target, code, _BATTLE_MESSAGES[code], item if by_user else owners.get(target, "")))
    return results


async def _locked_request(
    svc: Services, tx: Transaction, caller: Caller, room_id: str, battle_id: str
) -> tuple[BattleRequestRecord, list[BattleRequestRoomRecord]]:
    """The battle request, its rooms locked first (the order of every write that takes rooms and a battle)."""
    sdkappid = caller.sdkappid
    async with svc.store.read() as read:
        seen = await read.get_battle_request(sdkappid, battle_id)
        rooms = await read.battle_request_rooms(sdkappid, battle_id)
    if seen is None:
        raise _no_request(f"BattleId: no battle request {battle_id!r} is waiting")
    owners = await tx.lock_battle_rooms(sdkappid, [room_id, seen.from_room_id, *(r.room_id for r in rooms)])
    _require_owner(owners, caller, room_id)
    request = await tx.get_battle_request(sdkappid, battle_id)
    if request is None or request.deadline_ms <= now_ms(svc):  # past its deadline it times out, unanswered
        raise _no_request(f"BattleId: no battle request {battle_id!r} is waiting")
    return request, await tx.battle_request_rooms(sdkappid, battle_id)


async def answer_battle(svc: Services, caller: Caller, room_id: str, battle_id: str, *, accept: bool) -> None:
    """The owner of ``room_id``, invited, accepts or rejects the battle request: the inviter is told; once every
    invited room has answered the battle starts with the rooms that accepted."""
    async with svc.store.write() as tx:
        request, _ = await _locked_request(svc, tx, caller, room_id, battle_id)
        answer = ACCEPTED if accept else REJECTED
        if not await tx.answer_battle_request(caller.sdkappid, battle_id, room_id, answer):
            raise _no_request(f"BattleId: your room has no answer to give to {battle_id!r}")
        events = [_battle_answer(request, CoHost(room_id, caller.identifier), caller.identifier, accept=accept)]
        events += await _resolve_if_answered(svc, tx, caller.app, request)
    await publish(svc, events)


async def cancel_battle_request(svc: Services, caller: Caller, room_id: str, battle_id: str) -> None:
    """The inviter takes the battle request back before it starts: the invited owners are told."""
    async with svc.store.write() as tx:
        request, _ = await _locked_request(svc, tx, caller, room_id, battle_id)
        if request.from_room_id != room_id:
            raise _no_request(f"BattleId: {battle_id!r} is not a request of your room {room_id!r}")
        events = await _cancel_battle_request(tx, caller, request)
    await publish(svc, events)


async def _cancel_battle_request(tx: Transaction, caller: Caller, request: BattleRequestRecord) -> list[AnyRoomEvent]:
    rooms = await tx.battle_request_rooms(request.sdkappid, request.battle_id)
    await tx.take_battle_request(request.sdkappid, request.battle_id)
    await tx.delete_battle_request_rooms(request.sdkappid, request.battle_id)
    inviter = CoHost(request.from_room_id, request.inviter)
    return [
        BattleRequestCancelled(
            sdkappid=request.sdkappid,
            room_id=r.room_id,
            operator=caller.identifier,
            recipients=frozenset({r.owner_account}),
            battle_id=request.battle_id,
            inviter=inviter,
        )
        for r in rooms
        if r.answer != REJECTED
    ]


def _battle_answer(request: BattleRequestRecord, invitee: CoHost, operator: str, *, accept: bool) -> AnyRoomEvent:
    kind = BattleRequestAccepted if accept else BattleRequestRejected
    return kind(
        sdkappid=request.sdkappid,
        room_id=request.from_room_id,
        operator=operator,
        recipients=frozenset({request.inviter}),
        battle_id=request.battle_id,
        invitee=invitee,
    )


async def _resolve_if_answered(
    svc: Services, tx: Transaction, app: AppRecord, request: BattleRequestRecord
) -> list[AnyRoomEvent]:
    rooms = await tx.battle_request_rooms(request.sdkappid, request.battle_id)
    if any(r.answer == WAITING for r in rooms):
        return []
    await tx.take_battle_request(request.sdkappid, request.battle_id)
    return await _start_requested(svc, tx, app, request, rooms)


async def _start_requested(
    svc: Services,
    tx: Transaction,
    app: AppRecord,
    request: BattleRequestRecord,
    rooms: Sequence[BattleRequestRoomRecord],
) -> list[AnyRoomEvent]:
    """The battle of a request removed in ``tx``, with the rooms that accepted (none: it ends as it starts)."""
    sdkappid, from_room = request.sdkappid, request.from_room_id
    await tx.delete_battle_request_rooms(sdkappid, request.battle_id)
    if not await tx.lock_battle_rooms(sdkappid, [from_room]) or await tx.busy_rooms(sdkappid, [from_room], now_ms(svc)):
        return []  # the inviter's room is gone, or took part in another battle meanwhile: no battle
    spec = NewBattle(
        from_room_id=request.from_room_id,
        to_room_id_list=tuple(r.room_id for r in rooms if r.answer == ACCEPTED),
        duration=request.duration_ms,
        extension_info=request.extension_info,
    )
    caller = Caller(app, request.inviter)
    _, _, events = await battles.start_battle(
        svc, tx, caller, spec, battle_id=request.battle_id, timeout_ms=request.timeout_ms, need_response=True
    )
    return events


# timeouts -----------------------------------------------------------------------------------------------


async def next_deadline(svc: Services) -> int | None:
    """When the next waiting request times out (Unix ms), None when none waits."""
    async with svc.store.read() as tx:
        return await tx.next_request_deadline()


async def expire_due(svc: Services, apps: Callable[[int], AppRecord | None], limit: int = 100) -> int:
    """Time out up to ``limit`` connection requests, battle requests and connected rooms whose owner did not come
    back, whose deadline has passed, each exactly once across every node (the transaction that removed its row, or
    cleared its deadline, tells it): how many this call ended."""
    at = now_ms(svc)
    events: list[AnyRoomEvent] = []
    async with svc.store.write() as tx:
        expired = await tx.expire_connection_requests(at, limit)
    for r in expired:
        timed_out = ConnectionRequestTimeout(
            sdkappid=r.sdkappid,
            room_id=r.from_room_id,
            operator="",
            recipients=frozenset({r.inviter}),
            inviter=CoHost(r.from_room_id, r.inviter),
            invitee=CoHost(r.to_room_id, r.invitee),
        )
        to_invitee = msgspec.structs.replace(timed_out, room_id=r.to_room_id, recipients=frozenset({r.invitee}))
        events += [timed_out, to_invitee]
    ended = len(expired)
    async with svc.store.read() as tx:
        due = await tx.due_battle_requests(at, limit)
    for sdkappid, battle_id in due:
        app = apps(sdkappid)
        async with svc.store.read() as tx:
            seen = await tx.get_battle_request(sdkappid, battle_id)
            listed = await tx.battle_request_rooms(sdkappid, battle_id)
        if app is None or seen is None:
            continue
        async with svc.store.write() as tx:
            # The rooms first, then the request: the order of every write that takes both.
            await tx.lock_battle_rooms(sdkappid, [seen.from_room_id, *(r.room_id for r in listed)])
            request = await tx.take_due_battle_request(sdkappid, battle_id, at)
            if request is None:
                continue
            rooms = await tx.battle_request_rooms(sdkappid, battle_id)
            inviter = CoHost(request.from_room_id, request.inviter)
            for room in rooms:
                if room.answer != WAITING:
                    continue
                unanswered = BattleRequestTimeout(
                    sdkappid=sdkappid,
                    room_id=request.from_room_id,
                    operator="",
                    recipients=frozenset({request.inviter}),
                    battle_id=battle_id,
                    inviter=inviter,
                    invitee=CoHost(room.room_id, room.owner_account),
                )
                told = msgspec.structs.replace(
                    unanswered, room_id=room.room_id, recipients=frozenset({room.owner_account})
                )
                events += [unanswered, told]
            events += await _start_requested(svc, tx, app, request, rooms)
        ended += 1
    await publish(svc, events)
    async with svc.store.read() as tx:
        gone = await tx.due_owners_gone(at, limit)
    for sdkappid, room_id in gone:
        app = apps(sdkappid)
        if app is not None and await _take_out(svc, Caller(app, ""), room_id, due_ms=at):
            ended += 1
    return ended
