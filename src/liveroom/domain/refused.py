"""``Refused``: what a member may not do in a room, with a stable reason word for the client gateway."""

from __future__ import annotations

from liveroom.errors import ErrorCode, LiveError


class Refused(LiveError):
    """A member action the room's rules refuse. ``reason`` is one stable word a client can switch on
    (``banned``, ``muted``, ``seat_taken`` ...); the REST API answers only ``code`` and ``info``."""

    __slots__ = ("reason",)

    def __init__(self, code: ErrorCode, reason: str, info: str) -> None:
        super().__init__(code, info)
        self.reason = reason
