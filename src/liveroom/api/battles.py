"""Battles (PK), ``v4/live_engine_http_pk``: create one, read it, set its scores (decisions.md section 10)."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType, field

from liveroom.api.registry import command
from liveroom.api.wire import RoomId, Wire, text
from liveroom.domain import battles
from liveroom.domain.battles import Battle, NewBattle, RoomResult, ScoreChange
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode
from liveroom.store.records import BattleRoomRecord

SERVICE = "live_engine_http_pk"

BattleId = Annotated[str, text(1, 64, ascii_printable=True), Meta(description="the BattleId create_battle answered")]
Score = Annotated[int, Meta(ge=0, le=battles.SCORE_MAX)]


class CreateBattleRequest(Wire):
    from_room_id: RoomId
    to_room_id_list: Annotated[list[RoomId], Meta(min_length=1, max_length=battles.INVITED_MAX)]
    duration: Annotated[
        int,
        Meta(ge=battles.DURATION_MIN_MS, le=battles.DURATION_MAX_MS, description="how long it runs, in milliseconds"),
    ]
    extension_info: Annotated[str, text(0, battles.EXTENSION_MAX_BYTES)] = ""


class CreateResult(Wire):
    room_id: RoomId
    result_code: int
    result_message: str


class CreateBattleResponse(Wire):
    battle_id: str
    result: list[CreateResult]


@command(
    SERVICE,
    "create_battle",
    request=CreateBattleRequest,
    response=CreateBattleResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def create_battle(svc: Services, caller: Caller, req: CreateBattleRequest) -> CreateBattleResponse:
    """Start a battle between ``FromRoomId`` and the rooms of ``ToRoomIdList`` at once, for ``Duration`` ms; a
    ``ResultCode`` per invited room: 0 joined, 3 already in another battle, 4 no such room."""
    spec = NewBattle(
        from_room_id=req.from_room_id,
        to_room_id_list=tuple(req.to_room_id_list),
        duration=req.duration,
        extension_info=req.extension_info,
    )
    battle, results = await battles.create_battle(svc, caller, spec)
    return CreateBattleResponse(
        battle_id=battle.record.battle_id,
        result=[CreateResult(room_id=r.room_id, result_code=r.code, result_message=r.message) for r in results],
    )


class BattleInfoRequest(Wire):
    battle_id: BattleId | UnsetType = UNSET
    room_id: RoomId | UnsetType = UNSET


class BattleRoom(Wire):
    room_id: str
    score: int
    owner_account: str = field(name="Owner_Account")


class BattleInfoResponse(Wire):
    battle_id: str
    duration: int
    start_time: int
    end_time: int
    status: int
    from_room_info: BattleRoom
    to_room_list: list[BattleRoom]


def _room(room: BattleRoomRecord) -> BattleRoom:
    return BattleRoom(room_id=room.room_id, score=room.score, owner_account=room.owner_account)


def battle_info(battle: Battle) -> BattleInfoResponse:
    record = battle.record
    return BattleInfoResponse(
        battle_id=record.battle_id,
        duration=record.duration_ms,
        start_time=record.start_ms // 1000,
        end_time=record.end_ms // 1000,
        status=battle.status,
        from_room_info=_room(battle.from_room),
        to_room_list=[_room(room) for room in battle.to_rooms],
    )


@command(
    SERVICE,
    "get_battle_info",
    request=BattleInfoRequest,
    response=BattleInfoResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_battle_info(svc: Services, caller: Caller, req: BattleInfoRequest) -> BattleInfoResponse:
    """A battle by ``BattleId``, or by ``RoomId`` the room's running battle, else its oldest battle request awaiting
    answers: its rooms and their scores, ``Status`` 1 waiting for answers, 2 running or 3 ended, ``StartTime`` and
    ``EndTime`` in Unix seconds (0 while waiting), ``Duration`` in ms."""
    battle_id = None if isinstance(req.battle_id, UnsetType) else req.battle_id
    room_id = None if isinstance(req.room_id, UnsetType) else req.room_id
    return battle_info(await battles.get_battle(svc, caller, battle_id, room_id))


class ScoreItem(Wire):
    room_id: RoomId
    score: Score


class SetScoreRequest(Wire):
    battle_id: BattleId
    op_type: Annotated[int | str, Meta(description="1 add to the score, 2 set it; an integer or a numeric string")]
    score_list: Annotated[list[ScoreItem], Meta(min_length=1, max_length=battles.INVITED_MAX + 1)]


class ScoreResult(Wire):
    room_id: str
    result_code: int


class SetScoreResponse(Wire):
    result: list[ScoreResult]


def _score_results(results: list[RoomResult]) -> SetScoreResponse:
    return SetScoreResponse(result=[ScoreResult(room_id=r.room_id, result_code=r.code) for r in results])


@command(
    SERVICE, "set_battle_score", request=SetScoreRequest, response=SetScoreResponse, errors=(ErrorCode.ROOM_NOT_FOUND,)
)
async def set_battle_score(svc: Services, caller: Caller, req: SetScoreRequest) -> SetScoreResponse:
    """Add to (``OpType`` 1) or set (2) the scores of rooms in a running battle; a ``ResultCode`` per room: 0 done,
    4 not in this battle, 5 the battle has ended."""
    changes = [ScoreChange(item.room_id, item.score) for item in req.score_list]
    results = await battles.set_battle_score(svc, caller, req.battle_id, req.op_type, changes)
    return _score_results(results)
