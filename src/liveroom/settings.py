"""The one frozen settings object, built from command-line flags over ``LIVEROOM_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./liveroom.db"
DEV_SDKAPPID = 1400000000
DEV_ADMIN = "administrator"


class SettingsError(ValueError):
    """An environment variable or flag that cannot be read as its setting."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a liveroom process is configured with. Each field has an env var ``LIVEROOM_<NAME>``."""

    database_url: str = DEFAULT_DATABASE_URL
    # Many nodes: the Redis they share rate limits, the lock-out and room events through ("" = one node).
    redis_url: str = ""
    # Starts every Redis key and channel: several deployments can share one Redis.
    redis_prefix: str = "liveroom"
    # With Redis: the members of a node that stopped (killed, cut off) leave their rooms this long after it did.
    presence_ttl_seconds: float = 30.0
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    dev: bool = False
    access_log: bool = True
    log_level: str = "info"
    # "text" or "json" (one object per line: RequestId, command, ErrorCode, latency_ms, client).
    log_format: str = "text"
    # Requests larger than this are refused with 60002 before the rest of the body is read.
    max_body_bytes: int = 1024 * 1024
    # Slow or greedy clients (api.transport): the request line and headers within this long of the connection (or
    # of the next request's first bytes), at most this large; the body within this long of the headers.
    header_timeout_seconds: float = 10.0
    max_header_bytes: int = 64 * 1024
    body_timeout_seconds: float = 30.0
    # uvicorn's: an idle kept-alive connection is closed after this long.
    keep_alive_timeout_seconds: int = 5
    # Open HTTP connections per client address (per process; trusted proxies are not counted).
    max_connections_per_address: int = 256
    # UserSig failure lock-out (decisions.md section 3).
    lockout_failures: int = 50
    lockout_window_seconds: float = 60.0
    lockout_seconds: float = 60.0
    sig_cache_size: int = 100_000
    # SQLite: "NORMAL" keeps every answered write across a process crash (kill -9); "FULL" also across power loss.
    sqlite_synchronous: str = "NORMAL"
    # The realtime gateway (docs/realtime.md).
    realtime_auth_timeout_seconds: float = 10.0
    # A connection that sends nothing for this long is closed (4008); clients heartbeat every third of it.
    realtime_heartbeat_timeout_seconds: float = 60.0
    realtime_queue_size: int = 1000
    realtime_max_rooms: int = 16
    realtime_messages_per_second: float = 20.0
    realtime_burst: float = 40.0
    # Realtime connections not yet authenticated, per client address (per process).
    realtime_unauthenticated_per_address: int = 64
    # permessage-deflate on realtime connections: off, as it compresses every frame once per member (docs/realtime.md).
    realtime_compression: bool = False
    # The likes a room receives within this long are counted in one write and sent as one like event.
    realtime_like_window_seconds: float = 0.2
    # member_entered and member_left frames one process sends the members of a room, a second (a quarter of it at once).
    realtime_member_frames_per_second: float = 4000.0
    # Above this many text and custom messages a room has within a window of this long (on one node), its messages
    # are gathered per window and sent to each member as one frame (0 seconds: never).
    realtime_batch_window_seconds: float = 0.05
    realtime_batch_threshold: int = 5
    seat_application_timeout_seconds: float = 60.0
    # How often a process looks for seat requests other processes made that have timed out (it sleeps no longer
    # than until the next of its own times out).
    seat_request_poll_seconds: float = 1.0
    # A room that was entered and then stays empty this long is dismissed (spec: 30 min).
    empty_room_dismiss_seconds: float = 30 * 60.0
    # Webhooks: a sender's claim on a room's events lasts this long (then another sender takes the room over).
    webhook_lease_seconds: float = 30.0
    # How often a sender looks for events other processes wrote (its own wake it at once).
    webhook_poll_seconds: float = 0.5
    # How often a process looks for battles whose time is up (it sleeps no longer than until the next one ends).
    battle_poll_seconds: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Environment first, then explicit overrides (flags that were given; ``None`` means not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"LIVEROOM_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, raw, getattr(cls(), f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if not 1 <= self.port <= 65535:
            raise SettingsError(f"port must be 1..65535, got {self.port}")
        if self.workers < 1:
            raise SettingsError(f"workers must be at least 1, got {self.workers}")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("redis_url must start with redis://, rediss:// or unix://")
        if not self.redis_prefix:
            raise SettingsError("redis_prefix must not be empty")
        if self.log_format not in {"text", "json"}:
            raise SettingsError(f"log_format must be text or json, got {self.log_format!r}")
        if self.sqlite_synchronous.upper() not in {"NORMAL", "FULL", "EXTRA"}:
            raise SettingsError("sqlite_synchronous must be NORMAL, FULL or EXTRA")
        if self.max_body_bytes < 1024:
            raise SettingsError("max_body_bytes must be at least 1024")
        for name in (
            "realtime_auth_timeout_seconds",
            "realtime_heartbeat_timeout_seconds",
            "realtime_messages_per_second",
            "realtime_member_frames_per_second",
            "seat_application_timeout_seconds",
            "seat_request_poll_seconds",
            "empty_room_dismiss_seconds",
            "presence_ttl_seconds",
            "webhook_poll_seconds",
            "battle_poll_seconds",
            "header_timeout_seconds",
            "body_timeout_seconds",
            "keep_alive_timeout_seconds",
        ):
            if not getattr(self, name) > 0:
                raise SettingsError(f"{name} must be positive")
        if not 0 <= self.realtime_like_window_seconds <= 5:
            raise SettingsError("realtime_like_window_seconds must be 0..5")
        if not 0 <= self.realtime_batch_window_seconds <= 1:
            raise SettingsError("realtime_batch_window_seconds must be 0..1")
        if not 1 <= self.realtime_batch_threshold <= 10_000:
            raise SettingsError("realtime_batch_threshold must be 1..10000")
        if self.realtime_heartbeat_timeout_seconds < 3:
            # The gateway announces a third of it in whole seconds (at least 1) as the heartbeat interval.
            raise SettingsError("realtime_heartbeat_timeout_seconds must be at least 3")
        if self.webhook_lease_seconds < 5:
            # A lease must outlast one delivery attempt (3 s) and the write that ends it.
            raise SettingsError("webhook_lease_seconds must be at least 5")
        if self.realtime_queue_size < 1 or self.realtime_max_rooms < 1 or self.realtime_burst < 1:
            raise SettingsError("realtime_queue_size, realtime_max_rooms and realtime_burst must be at least 1")
        if self.max_connections_per_address < 1 or self.realtime_unauthenticated_per_address < 1:
            raise SettingsError(
                "max_connections_per_address and realtime_unauthenticated_per_address must be at least 1"
            )
        if self.max_header_bytes < 1024:
            raise SettingsError("max_header_bytes must be at least 1024")

    def to_env(self) -> dict[str, str]:
        """The environment that rebuilds these settings in a worker process."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f"LIVEROOM_{f.name.upper()}"] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return out

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _parse(name: str, raw: str, default: object) -> object:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"LIVEROOM_{name.upper()} must be true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"LIVEROOM_{name.upper()} must be an integer, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"LIVEROOM_{name.upper()} must be a number, got {raw!r}") from None
    return raw
