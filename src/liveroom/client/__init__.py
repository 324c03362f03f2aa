"""The liveroom SDK: call the Tencent Live server REST API (Tencent's or any liveroom server) from Python.

::

    from liveroom.client import Client

    with Client("http://127.0.0.1:8080", sdkappid=1400000000, secret_key="...") as client:
        client.rooms.create("live-room", room_name="Friday show")
        print(client.rooms.get_info("live-room").room_info.room_name)

``RealtimeClient`` is an end user on the server's realtime gateway (``liveroom.client.realtime``): enter rooms,
talk, take seats and read the rooms' events as they happen.

This package imports neither the server nor its dependencies (Starlette, SQLAlchemy).
"""

from __future__ import annotations

from liveroom.client._client import AsyncClient, Client
from liveroom.client._core import DEFAULT_BASE_URL, Retry
from liveroom.client._generated import OPERATIONS
from liveroom.client._models import Model
from liveroom.client.errors import (
    AuthenticationError,
    ConflictError,
    ConnectionClosedError,
    InvalidParameterError,
    LiveroomError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)
from liveroom.client.realtime import Entered, RealtimeClient, RoomEvent

__all__ = [
    "DEFAULT_BASE_URL",
    "OPERATIONS",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ConnectionClosedError",
    "Entered",
    "InvalidParameterError",
    "LiveroomError",
    "Model",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RealtimeClient",
    "Retry",
    "RoomEvent",
    "ServerError",
    "UnexpectedResponseError",
]
