"""What every domain operation receives: the services of this process and who is calling."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from liveroom.domain.events import EventBus
from liveroom.domain.hooks import AllowAll, BeforeHooks
from liveroom.domain.presence import LocalPresence, Presence
from liveroom.store.interface import AppRecord, Store

# How a change came about, as webhooks name it (OptPlatform): the REST API, the client gateway, or the server.
REST = "RESTAPI"
REALTIME = "Web"
SERVER = "Unknown"


class Caller(msgspec.Struct, frozen=True):
    """The app a request acts for and the account it was signed by (a Struct: made on every request, and its
    constructor is a fifth of a frozen dataclass's); ``client_ip`` and ``platform`` say where the request came
    from (webhooks carry them as ClientIP and OptPlatform)."""

    app: AppRecord
    identifier: str
    client_ip: str = ""
    platform: str = SERVER

    @property
    def sdkappid(self) -> int:
        return self.app.sdkappid


@dataclass(slots=True)
class Services:
    store: Store
    events: EventBus = field(default_factory=EventBus)
    presence: Presence = field(default_factory=LocalPresence)
    hooks: BeforeHooks = field(default_factory=AllowAll)
    clock: Callable[[], float] = time.time
    # How long a member dropped by the network may take to come back as the same member (the gateway's heartbeat
    # timeout): a co-host whose owner is gone longer leaves its connections.
    reconnect_seconds: float = 60.0

    def now(self) -> int:
        return int(self.clock())
