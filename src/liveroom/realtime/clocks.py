"""The deadline clocks every node runs (``deadline_clock.DeadlineClock``): what each ends when its time is up."""

from __future__ import annotations

import logging

from liveroom.domain import battles, cohosting, seat_requests
from liveroom.domain.apps import AppDirectory
from liveroom.domain.context import Services
from liveroom.domain.events import (
    BattleRequestReceived,
    BattleStarted,
    ConnectionRequestReceived,
    SeatApplication,
    SeatInvitation,
)
from liveroom.realtime.deadline_clock import BATCH, DeadlineClock


def battle_clock(services: Services, apps: AppDirectory, poll_seconds: float = 1.0) -> DeadlineClock:
    """Ends running battles whose time is up (``battles.end_ms``), with ``Live.CallbackAfterEndBattle`` ``OpType``
    0 written in the same transaction."""

    async def end_due() -> int:
        await apps.sync()
        return await battles.end_due_battles(services, apps.get, BATCH)

    return DeadlineClock(
        services,
        name="battles",
        next_due=lambda: battles.next_end(services),
        end_due=end_due,
        wake_on=(BattleStarted,),
        poll_seconds=poll_seconds,
        log=logging.getLogger("liveroom.battles"),
    )


def cohosting_clock(services: Services, apps: AppDirectory, poll_seconds: float = 1.0) -> DeadlineClock:
    """Times out co-hosting requests, connections and battles (``connection_requests.deadline_ms``,
    ``battle_requests.deadline_ms``); a battle request's timeout starts the battle with the rooms that accepted."""

    async def end_due() -> int:
        await apps.sync()
        return await cohosting.expire_due(services, apps.get, BATCH)

    return DeadlineClock(
        services,
        name="co-hosting requests",
        next_due=lambda: cohosting.next_deadline(services),
        end_due=end_due,
        wake_on=(ConnectionRequestReceived, BattleRequestReceived),
        poll_seconds=poll_seconds,
        log=logging.getLogger("liveroom.cohosting"),
    )


def seat_request_clock(services: Services, poll_seconds: float = 1.0) -> DeadlineClock:
    """Times out pending seat applications and invitations (``seat_requests.deadline_ms``)."""
    return DeadlineClock(
        services,
        name="seat requests",
        next_due=lambda: seat_requests.next_deadline(services),
        end_due=lambda: seat_requests.time_out_due(services, BATCH),
        wake_on=(SeatApplication, SeatInvitation),
        poll_seconds=poll_seconds,
        log=logging.getLogger("liveroom.realtime"),
    )
