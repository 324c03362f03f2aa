"""Room metadata, ``v4/live_engine_http_srv/{get,set,del}_room_metadata``."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE
from liveroom.api.wire import RoomId, Wire, text
from liveroom.domain import metadata
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode

Key = Annotated[str, text(1, metadata.KEY_MAX_BYTES)]
# Values are limited by the domain (100501), not here (100002), so they are only typed.
Value = Annotated[str, Meta(description=f"at most {metadata.VALUE_MAX_BYTES} bytes (100501)")]
Keys = Annotated[list[Key], Meta(max_length=100)]


class Pair(Wire):
    key: Key
    value: Value


class GetMetadataRequest(Wire):
    room_id: RoomId
    keys: Keys = []


class MetadataResponse(Wire):
    metadata: list[Pair]


class SetMetadataRequest(Wire):
    room_id: RoomId
    metadata: Annotated[list[Pair], Meta(max_length=100)]


class DelMetadataRequest(Wire):
    room_id: RoomId
    keys: Keys


@command(
    SERVICE,
    "get_room_metadata",
    request=GetMetadataRequest,
    response=MetadataResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_room_metadata(svc: Services, caller: Caller, req: GetMetadataRequest) -> MetadataResponse:
    """Read the room's metadata: the keys asked for, or every key when ``Keys`` is empty."""
    pairs = await metadata.get_metadata(svc, caller, req.room_id, req.keys)
    return MetadataResponse([Pair(key=k, value=v) for k, v in pairs])


@command(
    SERVICE,
    "set_room_metadata",
    request=SetMetadataRequest,
    errors=(
        ErrorCode.ROOM_NOT_FOUND,
        ErrorCode.METADATA_TOO_MANY_KEYS,
        ErrorCode.METADATA_VALUE_TOO_LONG,
        ErrorCode.METADATA_TOTAL_TOO_LONG,
    ),
)
async def set_room_metadata(svc: Services, caller: Caller, req: SetMetadataRequest) -> None:
    """Add or overwrite key/values (at most 10 keys, 2 KiB a value, 16 KiB together)."""
    await metadata.set_metadata(svc, caller, req.room_id, [(p.key, p.value) for p in req.metadata])


@command(SERVICE, "del_room_metadata", request=DelMetadataRequest, errors=(ErrorCode.ROOM_NOT_FOUND,))
async def del_room_metadata(svc: Services, caller: Caller, req: DelMetadataRequest) -> None:
    """Remove keys; keys that are not there are ignored."""
    await metadata.delete_metadata(svc, caller, req.room_id, req.keys)
