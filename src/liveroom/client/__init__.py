"""The liveroom SDK: call the Tencent Live server REST API (Tencent's or any liveroom server) from Python.

::

    from liveroom.client import Client

    with Client("http://127.0.0.1:8080", sdkappid=1400000000, secret_key="...") as client:
        client.rooms.create("live-room", room_name="Friday show")
        print(client.rooms.get_info("live-room").room_info.room_name)

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
    InvalidParameterError,
    LiveroomError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "OPERATIONS",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "InvalidParameterError",
    "LiveroomError",
    "Model",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "Retry",
    "ServerError",
    "UnexpectedResponseError",
]
