"""A room's live event stream on its console page: a WebSocket of the console on which the room's events arrive as
HTML fragments, swapped into the page by htmx's ws extension (the event log, the members online).

``RoomWatch`` is one subscriber of the event bus the realtime gateway uses, so a page sees the events of this node
and those the cluster relay delivers from the others. A page that cannot keep up loses events, never the server's
time: its queue is bounded and what did not fit is counted and said.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from liveroom.domain.events import (
    AdminsChanged,
    AnyRoomEvent,
    BattleEnded,
    BattleStarted,
    CustomMessage,
    GiftSent,
    KickedOffSeat,
    KickedOutOfRoom,
    Liked,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MemberMuted,
    MemberUnbanned,
    MetadataChanged,
    MetadataDeleted,
    MicrophoneChanged,
    PickedOnSeat,
    RobotsChanged,
    RoomDismissed,
    RoomInfoChanged,
    SeatApplication,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
    TextMessage,
)

QUEUE_SIZE = 256
# The members online are read again at most this often, however many enter or leave (a crowded room's entrances
# would otherwise cost a read of every member each).
MEMBERS_EVERY_SECONDS = 1.0
MEMBER_EVENTS = (MemberEntered, MemberLeft, RoomDismissed)


@dataclass(eq=False, slots=True)
class Watcher:
    """One page's queue of the room's events, and how many did not fit in it since it was last emptied."""

    queue: asyncio.Queue[AnyRoomEvent] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def drain(self) -> list[AnyRoomEvent]:
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events


class RoomWatch:
    """The pages watching each room, fed by one subscriber of the event bus (``on_event``)."""

    def __init__(self) -> None:
        self._watchers: dict[tuple[int, str], set[Watcher]] = {}

    async def on_event(self, event: AnyRoomEvent) -> None:
        for watcher in self._watchers.get((event.sdkappid, event.room_id), ()):
            try:
                watcher.queue.put_nowait(event)
            except asyncio.QueueFull:
                watcher.dropped += 1

    @contextlib.contextmanager
    def watching(self, sdkappid: int, room_id: str) -> Iterator[Watcher]:
        key = (sdkappid, room_id)
        watcher = Watcher()
        self._watchers.setdefault(key, set()).add(watcher)
        try:
            yield watcher
        finally:
            watchers = self._watchers[key]
            watchers.discard(watcher)
            if not watchers:
                del self._watchers[key]

    def watched(self) -> int:
        """How many pages are watching a room on this node."""
        return sum(len(watchers) for watchers in self._watchers.values())


class MembersPace:
    """When the members online are to be read again: at once after a quiet second, else a second after the last
    read."""

    def __init__(self) -> None:
        self.last = -MEMBERS_EVERY_SECONDS
        self.pending = False

    def wait(self) -> float | None:
        """Seconds to wait for the next event before reading the members, None to wait without end."""
        if not self.pending:
            return None
        return max(0.0, self.last + MEMBERS_EVERY_SECONDS - time.monotonic())

    def due(self) -> bool:
        if self.pending and time.monotonic() >= self.last + MEMBERS_EVERY_SECONDS:
            self.pending = False
            self.last = time.monotonic()
            return True
        return False


class Line(NamedTuple):
    """A line of the event log: the event's ``kind``, when it arrived (ISO 8601 and the time of day, UTC), what
    happened."""

    kind: str
    at: str
    clock: str
    text: str

    @classmethod
    def of(cls, kind: str, text: str, now: int) -> Line:
        moment = datetime.fromtimestamp(now, UTC)
        return cls(kind, moment.isoformat(), moment.strftime("%H:%M:%S"), text)

    @classmethod
    def event(cls, event: AnyRoomEvent, now: int) -> Line:
        return cls.of(kind(event), describe(event, now), now)


def _accounts(accounts: tuple[str, ...]) -> str:
    return ", ".join(accounts)


def _clock(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S UTC")


def describe(event: AnyRoomEvent, now: int) -> str:
    """One line an operator reads in the room's event log."""
    match event:
        case MemberEntered():
            return f"{event.member_account} entered ({event.member_count} online)"
        case MemberLeft():
            return f"{event.member_account} left: {event.reason} ({event.member_count} online)"
        case KickedOutOfRoom():
            return f"{event.member_account} was taken out of the room by {event.operator or 'the server'}"
        case MemberBanned():
            seconds = max(0, event.banned_until - now)
            return f"{_accounts(event.member_list_account)} banned for {seconds} s by {event.operator}"
        case MemberUnbanned():
            return f"the ban on {_accounts(event.member_list_account)} was lifted by {event.operator}"
        case MemberMuted() if event.muted_until == 0:
            return f"{_accounts(event.member_list_account)} unmuted by {event.operator}"
        case MemberMuted():
            return f"{_accounts(event.member_list_account)} muted until {_clock(event.muted_until)}"
        case AdminsChanged():
            return f"admins {event.op_type}: {_accounts(event.admin_account)}"
        case RobotsChanged():
            return f"robots {event.op_type}: {_accounts(event.robot_list_account)}"
        case TextMessage():
            return f"{event.sender_account}: {event.text_content}"
        case CustomMessage():
            return f"{event.sender_account} sent custom message {event.business_id}: {event.data}"
        case Liked():
            return f"{event.sender_account} liked {event.count} times ({event.total_likes_received} likes)"
        case GiftSent():
            return (
                f"{event.sender_account} sent gift {event.gift_id} x{event.count} to "
                f"{_accounts(event.receiver_list_account) or 'the room'} ({event.count * event.coins} coins)"
            )
        case SeatListChanged():
            taken = [f"{seat.index}: {seat.member_account}" for seat in event.seat_list if seat.member_account]
            return f"seats: {', '.join(taken) or 'all free'}"
        case PickedOnSeat():
            return f"{event.member_account} picked onto seat {event.index}"
        case KickedOffSeat():
            return f"{event.member_account} taken off seat {event.index}"
        case MicrophoneChanged():
            state = "opened" if event.is_open else "closed"
            return f"the microphone of {event.member_account} (seat {event.index}) {state} by {event.operator}"
        case SeatInvitation():
            return f"{event.operator} invites {event.member_account} to seat {event.index}"
        case SeatInvitationResult():
            return f"{event.member_account}'s invitation to seat {event.index}: {event.result}"
        case SeatApplication():
            return f"{event.member_account} asks for seat {event.index}"
        case SeatApplicationResult():
            return f"{event.member_account}'s application for seat {event.index}: {event.result}"
        case BattleStarted() | BattleEnded():
            verb = "started" if isinstance(event, BattleStarted) else "ended"
            return f"battle {event.battle_id} {verb}"
        case RoomInfoChanged():
            return f"room info changed by {event.operator or 'the server'}"
        case MetadataChanged():
            return f"metadata set: {', '.join(item.key for item in event.metadata)}"
        case MetadataDeleted():
            return f"metadata removed: {', '.join(event.keys)}"
        case RoomDismissed():
            return "the room was dismissed" + (" (empty)" if event.reason == "empty" else "")
        case _:
            return kind(event).replace("_", " ")


def kind(event: AnyRoomEvent) -> str:
    """The event's tag: member_entered, text_message ..."""
    return str(type(event).__struct_config__.tag)
