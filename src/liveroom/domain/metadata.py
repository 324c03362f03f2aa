"""Room metadata: up to 10 custom key/values per room, within the byte limits of decisions.md section 6."""

from __future__ import annotations

from collections.abc import Sequence

from liveroom.domain import callbacks
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import MetadataChanged, MetadataDeleted, MetadataItem
from liveroom.domain.rooms import require_room_exists
from liveroom.errors import ErrorCode, LiveError

MAX_KEYS = 10
KEY_MAX_BYTES = 50
VALUE_MAX_BYTES = 2048
TOTAL_MAX_BYTES = 16384


async def get_metadata(svc: Services, caller: Caller, room_id: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs for ``keys`` that exist, in the order asked; every pair (by key) when ``keys`` is empty."""
    async with svc.store.read() as tx:
        await require_room_exists(tx, caller, room_id)
        stored = await tx.get_metadata(caller.sdkappid, room_id)
    if not keys:
        return sorted(stored.items())
    return [(key, stored[key]) for key in dict.fromkeys(keys) if key in stored]


async def set_metadata(svc: Services, caller: Caller, room_id: str, items: Sequence[tuple[str, str]]) -> None:
    given = dict(items)
    async with svc.store.write() as tx:
        # A missing room answers 100004 before any limit of its metadata.
        await require_room_exists(tx, caller, room_id)
        for key, value in given.items():
            if len(value.encode()) > VALUE_MAX_BYTES:
                raise LiveError(
                    ErrorCode.METADATA_VALUE_TOO_LONG, f"Metadata[{key!r}].Value: at most {VALUE_MAX_BYTES} bytes"
                )
        merged = await tx.get_metadata(caller.sdkappid, room_id)
        merged.update(given)
        if len(merged) > MAX_KEYS:
            raise LiveError(ErrorCode.METADATA_TOO_MANY_KEYS, f"Metadata: a room holds at most {MAX_KEYS} keys")
        if sum(len(v.encode()) for v in merged.values()) > TOTAL_MAX_BYTES:
            raise LiveError(
                ErrorCode.METADATA_TOTAL_TOO_LONG,
                f"Metadata: all values of a room together at most {TOTAL_MAX_BYTES} bytes",
            )
        await tx.put_metadata(caller.sdkappid, room_id, given)
        changed = MetadataChanged(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            metadata=tuple(MetadataItem(k, v) for k, v in given.items()),
        )
        await callbacks.record(svc, tx, caller, changed)
    await svc.events.publish(changed)


async def delete_metadata(svc: Services, caller: Caller, room_id: str, keys: Sequence[str]) -> None:
    async with svc.store.write() as tx:
        await require_room_exists(tx, caller, room_id)
        await tx.delete_metadata(caller.sdkappid, room_id, list(dict.fromkeys(keys)))
        deleted = MetadataDeleted(
            sdkappid=caller.sdkappid, room_id=room_id, operator=caller.identifier, keys=tuple(keys)
        )
        await callbacks.record(svc, tx, caller, deleted)
    await svc.events.publish(deleted)
