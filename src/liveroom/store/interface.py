"""The store interface: records and the transaction protocol every backend implements.

A domain operation opens one transaction (``store.read()`` or ``store.write()``), calls the helpers it needs and
leaves; the transaction commits when the block exits normally and rolls back when it raises. Helpers never
commit, so any set of them is atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import msgspec


class AppRecord(msgspec.Struct, frozen=True, kw_only=True):
    sdkappid: int
    secret_key: str
    enabled: bool
    created_at: int
    member_quota: int
    seat_quota: int
    rate_limits_enabled: bool
    rate_limit_overrides: dict[str, int]
    admins: frozenset[str]


class AccountRecord(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    nick: str
    face_url: str
    created_at: int


class RoomRecord(msgspec.Struct, kw_only=True):
    """One room as stored. Field names are the columns of ``tables.rooms``."""

    room_id: str
    room_name: str
    room_type: str
    owner_account: str
    create_time: int
    is_seat_enabled: bool
    seat_template: str
    seat_layout_template_id: int | None
    take_seat_mode: str
    max_seat_count: int
    max_member_count: int
    is_message_disabled: bool
    is_public_visible: bool
    is_unlimited_room_enabled: bool
    cover_url: str
    category: list[int]
    activity_status: int
    notice: str
    view_count: int = 0
    total_gifts_sent: int = 0
    total_gift_coins: int = 0
    total_unique_gift_senders: int = 0
    total_likes_received: int = 0
    total_msg_count: int = 0


# Columns update_room may change; anything else is a programming error.
UPDATABLE_ROOM_COLUMNS = frozenset(
    {
        "room_name",
        "owner_account",
        "take_seat_mode",
        "max_member_count",
        "is_message_disabled",
        "is_public_visible",
        "is_unlimited_room_enabled",
        "cover_url",
        "category",
        "activity_status",
        "notice",
    }
)


class ListCursor(msgspec.Struct, array_like=True, frozen=True):
    """Where a page of get_room_list ends: the sort key of its last room."""

    view_count: int
    create_time: int
    room_id: str


class Transaction(Protocol):
    # apps
    async def app_version(self) -> int: ...
    async def list_apps(self) -> list[AppRecord]: ...
    async def get_app(self, sdkappid: int) -> AppRecord | None: ...
    async def insert_app(self, app: AppRecord) -> bool: ...
    async def update_app(self, sdkappid: int, changes: Mapping[str, Any]) -> None: ...
    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None: ...
    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None: ...
    async def bump_app_version(self) -> None: ...

    # accounts
    async def upsert_accounts(self, sdkappid: int, accounts: Sequence[AccountRecord]) -> None: ...
    async def existing_accounts(self, sdkappid: int, user_ids: Sequence[str]) -> set[str]: ...
    async def existing_profiles(self, sdkappid: int, user_ids: Sequence[str]) -> dict[str, AccountRecord]: ...
    async def delete_account(self, sdkappid: int, user_id: str) -> bool: ...

    # rooms
    async def insert_room(self, sdkappid: int, room: RoomRecord) -> bool:
        """Insert unless the RoomId exists; False (and nothing written) when it does."""
        ...

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None: ...
    async def room_owner(self, sdkappid: int, room_id: str) -> str | None: ...
    async def update_room(self, sdkappid: int, room_id: str, changes: Mapping[str, Any]) -> bool: ...
    async def delete_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        """Remove the room and every row scoped to it; answers the room as it was."""
        ...

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomRecord]: ...

    # metadata
    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]: ...
    async def put_metadata(self, sdkappid: int, room_id: str, items: Mapping[str, str]) -> None: ...
    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None: ...

    # bans
    async def is_banned(self, sdkappid: int, room_id: str, user_id: str, now: int) -> bool: ...


class TransactionScope(Protocol):
    async def __aenter__(self) -> Transaction: ...
    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None: ...


class Store(Protocol):
    """A database liveroom keeps its state in. ``open`` applies migrations; ``close`` releases everything."""

    url: str

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def read(self) -> TransactionScope: ...
    def write(self) -> TransactionScope: ...
    async def ping(self) -> None: ...
    async def app_version(self) -> int:
        """Cheap on the request path: moves whenever any process changed an app or its admins."""
        ...
