"""The store interface: what the domain sees of a database, whichever backend keeps it.

A domain operation opens one transaction (``store.read()`` or ``store.write()``) and calls the operations of
``Transaction`` it needs (``transaction``: the SQL, written once); the records it reads and writes are in
``records``. Each backend (``sqlite``, ``postgres``) implements ``Store``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from liveroom.store.records import (
    AccountRecord,
    AppChanges,
    AppRecord,
    CallbackConfig,
    ListCursor,
    RoomChanges,
    RoomListing,
    RoomRecord,
    SeatRecord,
    WebhookEvent,
    WebhookStats,
)
from liveroom.store.transaction import Transaction

__all__ = [
    "AccountRecord",
    "AppChanges",
    "AppRecord",
    "CallbackConfig",
    "ListCursor",
    "RoomChanges",
    "RoomListing",
    "RoomRecord",
    "SeatRecord",
    "Store",
    "Transaction",
    "TransactionScope",
    "WebhookEvent",
    "WebhookStats",
]


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

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit of this process that wrote webhook events (to wake its sender)."""
        ...

    async def count_rooms(self) -> int:
        """The rooms of every app (for metrics), on a connection of its own: never on the request path."""
        ...
