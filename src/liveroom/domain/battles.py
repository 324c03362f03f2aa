"""Battles (PK): rooms compete for a fixed time, and the room with the higher score wins (decisions.md section 10).

A battle created by the app's backend (``create_battle``) starts at once with the rooms that could join; each
invited room answers a code: 0 joined, 3 already in another battle, 4 no such room. A battle runs until its stored
end (``end_ms``): from then on it has ended for every reader and no score changes, whether or not a node has
recorded the end yet. A battle nobody joined ends as it is created (OpType 2).

A battle's end is recorded exactly once: by the one transaction whose conditional UPDATE ended it (the battle
clock's sweep of due battles on any node, or the last room but one leaving), which writes
``Live.CallbackAfterEndBattle`` to the outbox in the same transaction; the ``battle_ended`` events go to the members
of every room of the battle after it commits.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence

import msgspec

from liveroom.domain import callbacks
from liveroom.domain.callbacks import BattleCreated
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import (
    AnyRoomEvent,
    BattleEnded,
    BattleRoom,
    BattleScoreChanged,
    BattleStarted,
    BattleUserExited,
)
from liveroom.domain.refused import Refused
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import AppRecord, Transaction
from liveroom.store.records import BattleRecord, BattleRoomRecord

DURATION_MIN_MS = 10_000
DURATION_MAX_MS = 3_600_000
INVITED_MAX = 8
SCORE_MAX = 2**31 - 1
EXTENSION_MAX_BYTES = 1024

# Status of get_battle_info.
WAITING, RUNNING, ENDED = 1, 2, 3
# ResultCode of a room in create_battle and set_battle_score.
JOINED = DONE = 0
IN_ANOTHER_BATTLE = 3
NOT_IN_BATTLE = NO_SUCH_ROOM = 4
BATTLE_ENDED = 5
# OpType of Live.CallbackAfterEndBattle: why a battle ended.
TIME_UP, ALL_LEFT, NOBODY_JOINED = 0, 1, 2
# OpType of set_battle_score.
ADD, SET = 1, 2

_RESULT_MESSAGES = {
    JOINED: "",
    IN_ANOTHER_BATTLE: "the room is already in another battle",
    NO_SUCH_ROOM: "the room does not exist",
}


class NewBattle(msgspec.Struct, frozen=True, kw_only=True):
    from_room_id: str
    to_room_id_list: tuple[str, ...]
    duration: int  # ms
    extension_info: str = ""


class RoomResult(msgspec.Struct, frozen=True):
    room_id: str
    code: int
    message: str = ""


class Battle(msgspec.Struct, frozen=True):
    """A battle as a reader sees it at ``now``: ``status`` is ENDED from its end time on, recorded or not."""

    record: BattleRecord
    rooms: tuple[BattleRoomRecord, ...]
    status: int

    @property
    def from_room(self) -> BattleRoomRecord:
        return self.rooms[0]

    @property
    def to_rooms(self) -> tuple[BattleRoomRecord, ...]:
        return self.rooms[1:]


class ScoreChange(msgspec.Struct, frozen=True):
    room_id: str
    score: int


def now_ms(svc: Services) -> int:
    return round(svc.clock() * 1000)


def new_battle_id() -> str:
    """Opaque, as Tencent's are (base64 of random bytes)."""
    return base64.b64encode(secrets.token_bytes(24)).decode()


def status_at(record: BattleRecord, at_ms: int) -> int:
    return ENDED if record.status == ENDED or at_ms >= record.end_ms else record.status


def check_new(spec: NewBattle) -> None:
    if not DURATION_MIN_MS <= spec.duration <= DURATION_MAX_MS:
        raise InvalidParameter(f"Duration: must be {DURATION_MIN_MS}..{DURATION_MAX_MS} (milliseconds)")
    if not 1 <= len(spec.to_room_id_list) <= INVITED_MAX:
        raise InvalidParameter(f"ToRoomIdList: 1..{INVITED_MAX} RoomIds")
    if len(set(spec.to_room_id_list)) < len(spec.to_room_id_list):
        raise InvalidParameter("ToRoomIdList: a RoomId is listed twice")
    if spec.from_room_id in spec.to_room_id_list:
        raise InvalidParameter("ToRoomIdList: must not list FromRoomId")
    if len(spec.extension_info.encode()) > EXTENSION_MAX_BYTES:
        raise InvalidParameter(f"ExtensionInfo: at most {EXTENSION_MAX_BYTES} bytes")


def _rooms(rooms: Sequence[BattleRoomRecord]) -> tuple[BattleRoom, tuple[BattleRoom, ...]]:
    first, *others = (BattleRoom(r.room_id, r.owner_account, r.score) for r in rooms)
    return first, tuple(others)


def _started(record: BattleRecord, rooms: Sequence[BattleRoomRecord], room_id: str) -> BattleStarted:
    first, others = _rooms(rooms)
    return BattleStarted(
        sdkappid=record.sdkappid,
        room_id=room_id,
        operator=record.operator,
        battle_id=record.battle_id,
        duration=record.duration_ms,
        create_time=record.create_ms // 1000,
        start_time=record.start_ms // 1000,
        end_time=record.end_ms // 1000,
        extension_info=record.extension_info,
        from_room_info=first,
        to_room_list=others,
    )


def _ended(record: BattleRecord, rooms: Sequence[BattleRoomRecord], room_id: str, operator: str) -> BattleEnded:
    first, others = _rooms(rooms)
    return BattleEnded(
        sdkappid=record.sdkappid,
        room_id=room_id,
        operator=operator,
        battle_id=record.battle_id,
        duration=record.duration_ms,
        create_time=record.create_ms // 1000,
        start_time=record.start_ms // 1000,
        end_time=record.end_ms // 1000,
        extension_info=record.extension_info,
        from_room_info=first,
        to_room_list=others,
        reason=record.end_reason if record.end_reason is not None else TIME_UP,
    )


async def _record_end(
    svc: Services, tx: Transaction, caller: Caller | None, record: BattleRecord
) -> list[AnyRoomEvent]:
    """The end of a battle ``tx`` has just ended: its callback in the outbox (``caller`` None: the app is gone),
    and the events for the members of each room, to publish once ``tx`` has committed."""
    rooms = await tx.battle_rooms(record.sdkappid, record.battle_id)
    operator = caller.identifier if caller is not None else ""
    ended = _ended(record, rooms, record.from_room_id, operator)
    if caller is not None:
        await callbacks.record(svc, tx, caller, ended)
    return [msgspec.structs.replace(ended, room_id=room.room_id) for room in rooms]


async def publish(svc: Services, events: Sequence[AnyRoomEvent]) -> None:
    for event in events:
        await svc.events.publish(event)


async def create_battle(svc: Services, caller: Caller, spec: NewBattle) -> tuple[Battle, list[RoomResult]]:
    """Start a battle between ``FromRoomId`` and the invited rooms that can join; a code per invited room."""
    check_new(spec)
    async with svc.store.write() as tx:
        battle, results, events = await start_battle(svc, tx, caller, spec)
    await publish(svc, events)
    return battle, results


async def start_battle(
    svc: Services,
    tx: Transaction,
    caller: Caller,
    spec: NewBattle,
    *,
    battle_id: str | None = None,
    timeout_ms: int = 0,
    need_response: bool = False,
) -> tuple[Battle, list[RoomResult], list[AnyRoomEvent]]:
    """Start, in ``tx``, a battle between ``FromRoomId`` and the invited rooms that can join (REST create_battle,
    and a battle request once answered): the battle, a code per invited room, and the events to publish once
    ``tx`` has committed. ``timeout_ms`` and ``need_response`` are those of the request, for the callback."""
    sdkappid, from_room = caller.sdkappid, spec.from_room_id
    at = now_ms(svc)
    owners = await tx.lock_battle_rooms(sdkappid, [from_room, *spec.to_room_id_list])
    if from_room not in owners:
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"FromRoomId: room {from_room!r} does not exist")
    busy = await tx.busy_rooms(sdkappid, list(owners), at)
    if from_room in busy:
        raise InvalidParameter(f"FromRoomId: room {from_room!r} is already in battle {busy[from_room]!r}")
    results = []
    for room_id in spec.to_room_id_list:
        code = NO_SUCH_ROOM if room_id not in owners else IN_ANOTHER_BATTLE if room_id in busy else JOINED
        results.append(RoomResult(room_id, code, _RESULT_MESSAGES[code]))
    joined = [r.room_id for r in results if r.code == JOINED]
    rooms = tuple(
        BattleRoomRecord(room_id, position, owners[room_id], 0, False)
        for position, room_id in enumerate([from_room, *joined])
    )
    nobody = not joined
    record = BattleRecord(
        sdkappid=sdkappid,
        battle_id=battle_id or new_battle_id(),
        from_room_id=from_room,
        operator=caller.identifier,
        duration_ms=spec.duration,
        extension_info=spec.extension_info,
        create_ms=at,
        start_ms=at,
        end_ms=at if nobody else at + spec.duration,
        status=ENDED if nobody else RUNNING,
        end_reason=NOBODY_JOINED if nobody else None,
    )
    await tx.insert_battle(record, rooms)
    created = BattleCreated(
        sdkappid=sdkappid,
        room_id=from_room,
        operator=caller.identifier,
        battle_id=record.battle_id,
        to_room_id_list=tuple(joined),
        timeout=timeout_ms,
        duration=spec.duration,
        need_response=need_response,
        extension_info=spec.extension_info,
    )
    await callbacks.record(svc, tx, caller, created)
    if nobody:
        events = await _record_end(svc, tx, caller, record)
    else:
        started = _started(record, rooms, from_room)
        await callbacks.record(svc, tx, caller, started)
        events = [msgspec.structs.replace(started, room_id=room.room_id) for room in rooms]
    return Battle(record, rooms, record.status), results, events


def _battle_not_found(what: str) -> LiveError:
    return LiveError(ErrorCode.ROOM_NOT_FOUND, what)


async def get_battle(svc: Services, caller: Caller, battle_id: str | None, room_id: str | None) -> Battle:
    """The battle ``battle_id``, or the one ``room_id`` takes part in now: its running battle, else the oldest battle
    request that asks it or that it made and whose answers are awaited (``battle_id`` wins when both are given, and
    must then count the room among its rooms)."""
    if not battle_id and not room_id:
        raise InvalidParameter("BattleId: required (or RoomId, to read the battle the room takes part in)")
    sdkappid, at = caller.sdkappid, now_ms(svc)
    async with svc.store.read() as tx:
        if not battle_id:
            assert room_id is not None
            battle_id = await tx.running_battle_of(sdkappid, room_id, at) or await _oldest_request_of(
                tx, sdkappid, room_id
            )
            if battle_id is None:
                raise _battle_not_found(f"RoomId: room {room_id!r} takes part in no running or requested battle")
        record = await tx.get_battle(sdkappid, battle_id)
        if record is None:
            battle = await _requested(tx, sdkappid, battle_id)
            if battle is None:
                raise _battle_not_found(f"BattleId: battle {battle_id!r} does not exist")
        else:
            battle = Battle(record, tuple(await tx.battle_rooms(sdkappid, battle_id)), status_at(record, at))
    if room_id and all(r.room_id != room_id for r in battle.rooms):
        raise _battle_not_found(f"RoomId: room {room_id!r} takes no part in battle {battle_id!r}")
    return battle


async def _oldest_request_of(tx: Transaction, sdkappid: int, room_id: str) -> str | None:
    """The battle request of ``room_id`` (made by it or asking it) that was made first, if any awaits answers."""
    oldest: tuple[int, str] | None = None
    for battle_id in await tx.battle_requests_of(sdkappid, room_id):
        request = await tx.get_battle_request(sdkappid, battle_id)
        if request is not None:
            made = (request.deadline_ms - request.timeout_ms, battle_id)
            oldest = made if oldest is None else min(oldest, made)
    return None if oldest is None else oldest[1]


async def _requested(tx: Transaction, sdkappid: int, battle_id: str) -> Battle | None:
    """A battle a host asked for over the realtime gateway whose answers are awaited (Status 1): the rooms asked,
    no times yet (StartTime and EndTime 0)."""
    request = await tx.get_battle_request(sdkappid, battle_id)
    if request is None:
        return None
    record = BattleRecord(
        sdkappid=sdkappid,
        battle_id=battle_id,
        from_room_id=request.from_room_id,
        operator=request.inviter,
        duration_ms=request.duration_ms,
        extension_info=request.extension_info,
        create_ms=request.deadline_ms - request.timeout_ms,
        start_ms=0,
        end_ms=0,
        status=WAITING,
        end_reason=None,
    )
    asked = await tx.battle_request_rooms(sdkappid, battle_id)
    rooms = [BattleRoomRecord(request.from_room_id, 0, request.inviter, 0, False)]
    rooms += [BattleRoomRecord(r.room_id, position, r.owner_account, 0, False) for position, r in enumerate(asked, 1)]
    return Battle(record, tuple(rooms), WAITING)


def op_type(value: int | str) -> int:
    """1 (add) or 2 (set), given as an integer or a numeric string."""
    number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
    if number not in (ADD, SET) or isinstance(number, str):
        raise InvalidParameter("OpType: must be 1 (add to the score) or 2 (set it), an integer or a numeric string")
    return int(number)


async def set_battle_score(
    svc: Services, caller: Caller, battle_id: str, operation: int | str, scores: Sequence[ScoreChange]
) -> list[RoomResult]:
    """Add to (OpType 1) or set (2) the scores of rooms in a running battle: a code per room (0 done, 4 not in this
    battle, 5 the battle has ended)."""
    op = op_type(operation)
    if len({s.room_id for s in scores}) < len(scores):
        raise InvalidParameter("ScoreList: a RoomId is listed twice")
    sdkappid, at = caller.sdkappid, now_ms(svc)
    async with svc.store.write() as tx:
        record = await tx.get_battle(sdkappid, battle_id)
        if record is None:
            raise _battle_not_found(f"BattleId: battle {battle_id!r} does not exist")
        if status_at(record, at) == ENDED:
            return [RoomResult(s.room_id, BATTLE_ENDED) for s in scores]
        results = []
        for change in scores:
            score = await tx.change_battle_score(sdkappid, battle_id, change.room_id, change.score, add=op == ADD)
            results.append(RoomResult(change.room_id, NOT_IN_BATTLE if score is None else DONE))
        changed = any(r.code == DONE for r in results)
        rooms = await tx.battle_rooms(sdkappid, battle_id) if changed else []
    await publish(svc, _score_events(caller, battle_id, rooms))
    return results


def _score_events(caller: Caller, battle_id: str, rooms: Sequence[BattleRoomRecord]) -> list[AnyRoomEvent]:
    """``battle_score_changed`` for the members of each room still in the battle: every room's score."""
    if not rooms:
        return []
    first, others = _rooms(rooms)
    scores_now = (first, *others)
    return [
        BattleScoreChanged(
            sdkappid=caller.sdkappid,
            room_id=room.room_id,
            operator=caller.identifier,
            battle_id=battle_id,
            score_list=scores_now,
        )
        for room in rooms
        if not room.has_left
    ]


async def add_gift(svc: Services, tx: Transaction, caller: Caller, room_id: str, coins: int) -> list[AnyRoomEvent]:
    """A gift of ``coins`` in all was counted in the room (in ``tx``): when the app wants it (its setting
    ``gift_battle_scores``) and the room takes part in a running battle, they add to the room's score there. The
    events to publish once ``tx`` has committed."""
    if not caller.app.gift_battle_scores or coins <= 0:
        return []
    battle_id = await tx.add_to_running_battle(caller.sdkappid, room_id, coins, now_ms(svc))
    if battle_id is None:
        return []
    return _score_events(caller, battle_id, await tx.battle_rooms(caller.sdkappid, battle_id))


async def end_due_battles(svc: Services, apps: Callable[[int], AppRecord | None], limit: int = 100) -> int:
    """End up to ``limit`` battles whose time is up (OpType 0), each exactly once across every node: how many this
    call ended."""
    events: list[AnyRoomEvent] = []
    async with svc.store.write() as tx:
        ended = await tx.end_due_battles(now_ms(svc), limit)
        for record in ended:
            app = apps(record.sdkappid)
            events += await _record_end(svc, tx, None if app is None else Caller(app, ""), record)
    await publish(svc, events)
    return len(ended)


async def next_end(svc: Services) -> int | None:
    """When the next running battle is to end (Unix ms), None when none runs."""
    async with svc.store.read() as tx:
        return await tx.next_battle_end()


async def leave_battles(svc: Services, tx: Transaction, caller: Caller, room_id: str) -> list[AnyRoomEvent]:
    """The room leaves the battles it takes part in (it is being dismissed, in ``tx``): a battle with one room left
    ends (OpType 1). The events to publish once ``tx`` has committed."""
    events: list[AnyRoomEvent] = []
    for battle_id in await tx.leave_battles(caller.sdkappid, room_id):
        if await tx.rooms_remaining(caller.sdkappid, battle_id) > 1:
            continue
        at = now_ms(svc)
        running = await tx.get_battle(caller.sdkappid, battle_id)
        reason = TIME_UP if running is None or at >= running.end_ms else ALL_LEFT
        record = await tx.end_battle(caller.sdkappid, battle_id, reason, at)
        if record is not None:
            events += await _record_end(svc, tx, caller, record)
    return events


async def exit_battle(svc: Services, caller: Caller, battle_id: str) -> None:
    """The caller, owner of a room of a running battle, takes the room out of it (TUILiveKit's exitBattle): the
    members of every room of the battle are told (``battle_user_exited``); a battle with one room left ends
    (OpType 1)."""
    sdkappid = caller.sdkappid
    async with svc.store.read() as tx:
        listed = await tx.battle_rooms(sdkappid, battle_id)
    if not listed:
        raise Refused(ErrorCode.ROOM_NOT_FOUND, "battle_not_found", f"BattleId: battle {battle_id!r} does not exist")
    events: list[AnyRoomEvent] = []
    async with svc.store.write() as tx:
        # The rooms first, then the battle: the order of every write that takes both.
        owners = await tx.lock_battle_rooms(sdkappid, [r.room_id for r in listed])
        record = await tx.get_battle(sdkappid, battle_id)
        at = now_ms(svc)
        if record is None or status_at(record, at) == ENDED:
            raise Refused(ErrorCode.NO_PERMISSION, "battle_ended", f"BattleId: battle {battle_id!r} has ended")
        rooms = await tx.battle_rooms(sdkappid, battle_id)
        mine = [r for r in rooms if not r.has_left and owners.get(r.room_id) == caller.identifier]
        if not mine:
            raise Refused(
                ErrorCode.NOT_A_MEMBER, "not_in_battle", f"BattleId: you own no room taking part in {battle_id!r}"
            )
        for room in mine:
            await tx.leave_battle(sdkappid, battle_id, room.room_id)
        if await tx.rooms_remaining(sdkappid, battle_id) <= 1:
            ended = await tx.end_battle(sdkappid, battle_id, ALL_LEFT, at)
            if ended is not None:
                events += await _record_end(svc, tx, caller, ended)
        else:
            for room in mine:
                user = BattleRoom(room.room_id, caller.identifier, room.score)
                events += [
                    BattleUserExited(
                        sdkappid=sdkappid,
                        room_id=r.room_id,
                        operator=caller.identifier,
                        battle_id=battle_id,
                        battle_user=user,
                    )
                    for r in rooms
                ]
    await publish(svc, events)
