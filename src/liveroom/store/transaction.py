"""The one transaction: the SQL of every store operation, written once and run by either backend's driver.

A domain operation opens one transaction (``store.read()`` or ``store.write()``), calls the operations it needs and
leaves; the transaction commits when the block exits normally and rolls back when it raises. Operations never
commit, so any set of them is atomic. The operations and their SQL live in ``store.queries``, a module per family.

In a write transaction, reading a room locks its row (``FOR UPDATE``) and checking that accounts exist keeps them
from deletion until the end (``FOR KEY SHARE``): on PostgreSQL the domain's read-check-write rules (5 admins,
3 robots, metadata limits, seats) then run one at a time per room across every node. SQLite has one writer at a
time and ignores both. Rows that several transactions write are written in one order (sorted ids), so two of them
wait for each other instead of deadlocking.
"""

from __future__ import annotations

from liveroom.store.queries.accounts import AccountQueries
from liveroom.store.queries.apps import AppQueries
from liveroom.store.queries.battles import BattleQueries
from liveroom.store.queries.cohosting import CoHostingQueries
from liveroom.store.queries.gifts import GiftQueries
from liveroom.store.queries.members import MemberQueries
from liveroom.store.queries.metadata import MetadataQueries
from liveroom.store.queries.operators import OperatorQueries
from liveroom.store.queries.rooms import RoomQueries
from liveroom.store.queries.seat_requests import SeatRequestQueries
from liveroom.store.queries.seats import SeatQueries
from liveroom.store.queries.webhooks import WebhookQueries


class Transaction(
    AppQueries,
    AccountQueries,
    RoomQueries,
    MetadataQueries,
    MemberQueries,
    SeatQueries,
    SeatRequestQueries,
    GiftQueries,
    BattleQueries,
    CoHostingQueries,
    WebhookQueries,
    OperatorQueries,
):
    """Every store operation inside one transaction, on one backend's ``Connection``."""

    __slots__ = ()
