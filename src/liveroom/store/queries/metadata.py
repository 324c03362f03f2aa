"""Room metadata: a room's custom key/values."""

from __future__ import annotations

from collections.abc import Sequence

from liveroom.store.queries import Queries
from liveroom.store.sql import Statement

_METADATA = Statement("SELECT key, value FROM room_metadata WHERE sdkappid = ? AND room_id = ? ORDER BY key")
_PUT_METADATA = Statement(
    "INSERT INTO room_metadata (sdkappid, room_id, key, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, key) DO UPDATE SET value = excluded.value"
)
_DELETE_METADATA = Statement("DELETE FROM room_metadata WHERE sdkappid = ? AND room_id = ? AND key = ANY(?)")


class MetadataQueries(Queries):
    __slots__ = ()

    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._db.fetchall(_METADATA, (sdkappid, room_id))}

    async def put_metadata(self, sdkappid: int, room_id: str, items: dict[str, str]) -> None:
        await self._db.executemany(_PUT_METADATA, [(sdkappid, room_id, k, v) for k, v in sorted(items.items())])

    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None:
        await self._db.execute(_DELETE_METADATA, (sdkappid, room_id, list(keys)))
