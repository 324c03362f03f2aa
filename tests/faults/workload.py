"""Load for the fault suite, and the ledger that checks it: each write names a room of its own, so that what the
database holds afterwards says which writes happened."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.helpers import LiveClient

# The one failure that may have changed something (docs/reference.md): the connection broke after COMMIT was sent.
MAY_HAVE_BEEN_MADE = "the change may have been made"


@dataclass
class Ledger:
    """Every write of the workload and how it was answered (None: no answer reached the client)."""

    answers: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    codes: Counter[int | None] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    async def create_room(self, live: LiveClient) -> None:
        room_id = f"w-{next(self._ids)}"
        try:
            answer: dict[str, Any] | None = await live.call(
                "create_room", {"RoomInfo": {"RoomId": room_id, "RoomType": "Live"}}
            )
        except httpx.TransportError:
            answer = None
        self.answers[room_id] = answer
        self.codes[None if answer is None else answer["ErrorCode"]] += 1

    async def verify(self, live: LiveClient) -> None:
        """Every acknowledged room is there; every refused one is not (but for an unknown outcome: no answer, or
        the connection lost while committing)."""
        for room_id, answer in self.answers.items():
            found = await live.call("get_room_info", {"RoomId": room_id})
            there = found["ErrorCode"] == 0
            if answer is not None and answer["ErrorCode"] == 0:
                assert there, f"{room_id} was acknowledged and is lost"
            elif answer is not None and MAY_HAVE_BEEN_MADE not in answer["ErrorInfo"]:
                assert not there, f"{room_id} was refused ({answer}) and was created"


async def write_until(stop: asyncio.Event, ledger: Ledger, clients: list[LiveClient], pause: float = 0.005) -> None:
    """Create rooms through the clients in turn until ``stop`` is set."""
    for turn in itertools.count():
        if stop.is_set():
            return
        await ledger.create_room(clients[turn % len(clients)])
        await asyncio.sleep(pause)


async def eventually(check: Any, wait: float = 20.0, every: float = 0.1) -> Any:
    """The first true answer of ``await check()`` within ``wait`` seconds."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        answer = await check()
        if answer:
            return answer
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {wait} s: {answer!r}")
        await asyncio.sleep(every)
