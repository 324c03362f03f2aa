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


class Caller(msgspec.Struct, frozen=True):
    """The app a request acts for and the account it was signed by (a Struct: made on every request, and its
    constructor is a fifth of a frozen dataclass's)."""

    app: AppRecord
    identifier: str

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

    def now(self) -> int:
        return int(self.clock())
