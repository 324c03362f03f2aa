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


class RoomRecord(msgspec.Struct, frozen=True):
    """One room as stored. Field names are the columns of ``tables.rooms``, in the order a store selects them.

    Frozen, ``category`` a tuple: a store hands the rooms it keeps to every reader as they are, so a reader must
    not be able to change one (``msgspec.structs.replace`` makes a changed copy).
    """

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
    category: tuple[int, ...]
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


class SeatRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One seat of a room. A seat with no stored row is free and unlocked."""

    index: int
    member_account: str | None = None
    is_taken_disabled: bool = False
    is_video_disabled: bool = False
    is_audio_disabled: bool = False


class RoomListing(msgspec.Struct, frozen=True):
    """One room of a get_room_list page: the fields the list answers (sort key included), in the order a store
    selects them. A store reads only these columns for a page, not the whole room."""

    room_id: str
    room_name: str
    owner_account: str
    cover_url: str
    category: tuple[int, ...]
    create_time: int
    activity_status: int
    view_count: int


class ListCursor(msgspec.Struct, array_like=True, frozen=True):
    """Where a page of get_room_list ends: the sort key of its last room.

    It travels through the client (``Next``), so a store must accept any integers in it, not only stored ones.
    """

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

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomListing]: ...

    # metadata
    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]: ...
    async def put_metadata(self, sdkappid: int, room_id: str, items: Mapping[str, str]) -> None: ...
    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None: ...

    # bans
    async def is_banned(self, sdkappid: int, room_id: str, user_id: str, now: int) -> bool: ...
    async def put_bans(
        self, sdkappid: int, room_id: str, user_ids: Sequence[str], banned_until: int, reason: str
    ) -> None: ...
    async def delete_bans(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...
    async def list_bans(self, sdkappid: int, room_id: str, now: int, offset: int, limit: int) -> list[tuple[str, int]]:
        """Bans in force at ``now`` as (account, banned_until), ordered by account."""
        ...

    # room admins
    async def room_admins(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's admins, ordered by account."""
        ...

    async def add_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...
    async def remove_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...

    # mutes
    async def put_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str], muted_until: int) -> None: ...
    async def delete_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...
    async def list_mutes(self, sdkappid: int, room_id: str, now: int) -> list[tuple[str, int]]:
        """Mutes in force at ``now`` as (account, muted_until), ordered by account."""
        ...

    async def muted_until(self, sdkappid: int, room_id: str, user_id: str, now: int) -> int | None:
        """When the user's mute in the room ends; None when not muted at ``now``."""
        ...

    # room counters
    async def add_view(self, sdkappid: int, room_id: str) -> int | None:
        """One more entry: ViewCount + 1 (and its list sort key); the new count, None when there is no room."""
        ...

    async def add_messages(self, sdkappid: int, room_id: str, count: int) -> None:
        """TotalMsgCount + ``count``."""
        ...

    async def add_likes(self, sdkappid: int, room_id: str, count: int) -> None:
        """TotalLikesReceived + ``count``."""
        ...

    # seats
    async def get_seats(self, sdkappid: int, room_id: str) -> list[SeatRecord]:
        """The stored seats of the room (occupied or locked ones at least), by index."""
        ...

    async def put_seats(self, sdkappid: int, room_id: str, seats: Sequence[SeatRecord]) -> None:
        """Create or overwrite these seats."""
        ...

    # robots
    async def room_robots(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's robots, ordered by account."""
        ...

    async def add_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...
    async def remove_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None: ...


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
    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        """One committed room, read by a single statement outside any transaction scope (the hot read)."""
        ...

    async def app_version(self) -> int:
        """Cheap on the request path: moves whenever any process changed an app or its admins."""
        ...
