"""The store interface: what the domain sees of a database, whichever backend keeps it.

A domain operation opens one transaction (``store.read()`` or ``store.write()``) and calls the operations of
``Transaction`` it needs (``transaction``: the SQL, written once); the records it reads and writes are in
``records``. Each backend (``sqlite``, ``postgres``) implements ``Store``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Protocol

from liveroom.store.records import (
    AccountRecord,
    AppChanges,
    AppRecord,
    CallbackConfig,
    ListCursor,
    OperatorRecord,
    OperatorSession,
    RoomChanges,
    RoomListing,
    RoomRecord,
    SeatRecord,
    SeatRequestRecord,
    WebhookDelivery,
    WebhookEvent,
    WebhookStats,
)
from liveroom.store.transaction import Transaction

__all__ = [
    "AccountRecord",
    "AppChanges",
    "AppRecord",
    "CallbackConfig",
    "ConnectionLost",
    "ListCursor",
    "OperatorRecord",
    "OperatorSession",
    "RoomChanges",
    "RoomListing",
    "RoomRecord",
    "SeatRecord",
    "SeatRequestRecord",
    "Store",
    "Transaction",
    "TransactionScope",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookStats",
    "commits_sent",
]


class ConnectionLost(Exception):
    """The connection to the database broke (a server restart, a terminated backend, the network): it was dropped.

    Raised by a transaction scope that had not sent its COMMIT (nothing of it was written: the caller may run the
    operation again, once, when ``commits_sent`` says it committed nothing before either), or that lost the
    connection while committing (``committing``: the change may have been made)."""

    def __init__(self, info: str, *, committing: bool = False) -> None:
        super().__init__(info)
        self.committing = committing


class TransactionConflict(ConnectionLost):
    """The database ended a write transaction to resolve a conflict with another one (PostgreSQL's deadlock detection,
    a serialization failure: SQLSTATE class 40) and it was rolled back. Nothing of it was written, and the other
    transaction has gone on, so the operation may run again as after a lost connection (once)."""


_commits: ContextVar[int] = ContextVar("liveroom_commits_sent", default=0)
# Write transactions whose COMMIT was sent in this task (a request; a realtime connection), counted before sending:
# a caller compares two readings to know whether an operation may have written anything.
commits_sent = _commits.get


def count_commit() -> None:
    _commits.set(_commits.get() + 1)


class TransactionScope(Protocol):
    async def __aenter__(self) -> Transaction: ...
    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None: ...


class Store(Protocol):
    """A database liveroom keeps its state in. ``open`` applies migrations; ``close`` releases everything."""

    url: str
    # Whether a connection to the database can break under a transaction (``ConnectionLost``).
    reconnects: bool

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def read(self) -> TransactionScope: ...
    def read_one(self) -> TransactionScope:
        """A read scope for exactly one statement, which is its own snapshot: no transaction needed around it."""
        ...

    def write(self) -> TransactionScope: ...
    def write_one(self) -> TransactionScope:
        """A write scope for exactly one statement that changes anything, which commits on its own (no transaction
        around it); reads after it, to explain a refusal, are statements of their own. A second change is refused."""
        ...

    async def ping(self) -> None: ...
    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        """One committed room, read by a single statement outside any transaction scope (the hot read)."""
        ...

    async def insert_room(self, sdkappid: int, room: RoomRecord, *, owner_known: bool) -> bool:
        """A write of its own, committed before it answers: the room inserted unless its RoomId exists or, unless
        ``owner_known``, its owner is not an imported account (the account kept from deletion until it commits).
        False when nothing was written; the caller reads why. On PostgreSQL the creates of one moment are one
        statement."""
        ...

    async def update_room(self, sdkappid: int, room_id: str, changes: RoomChanges) -> bool:
        """A write of its own, committed before it answers: the given columns of the room set; False when there is
        no such room. On PostgreSQL the changes of one moment are one statement."""
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
