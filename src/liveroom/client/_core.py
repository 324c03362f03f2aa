"""The part of the SDK that does no I/O: request building, the admin UserSig, envelope parsing and retry policy.

``Client`` and ``AsyncClient`` only move bytes: they ask ``Core`` what to send, send it with httpx, and hand
the answer back to ``Core``, which returns the decoded result or raises the error the envelope carries.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast, overload

import msgspec

from liveroom import __version__, usersig
from liveroom.client.errors import LiveroomError, UnexpectedResponseError, error_for

DEFAULT_BASE_URL = "https://console.tim.qq.com"
DEFAULT_IDENTIFIER = "administrator"
DEFAULT_TIMEOUT = 10.0
USER_AGENT = f"liveroom-python/{__version__}"

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One command of the API: where it lives and how its answer is shaped."""

    service: str
    command: str
    top_level: bool  # result fields beside ActionStatus instead of under "Response" (the IM family, get_gift)

    @property
    def path(self) -> str:
        return f"/v4/{self.service}/{self.command}"


@dataclass(frozen=True, slots=True)
class Retry:
    """Which answers are retried, how often and how long to wait: ``backoff * 2**n`` (with jitter), capped.

    Only 60007 (rate limited) is retried by default; pass ``codes`` to retry others.
    """

    attempts: int = 3
    backoff: float = 0.25
    max_backoff: float = 4.0
    codes: frozenset[int] = field(default=frozenset({60007}))

    def __post_init__(self) -> None:
        if self.attempts < 0 or self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("Retry: attempts, backoff and max_backoff must not be negative")

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0-based): full backoff with up to 50% jitter off."""
        cap = min(self.max_backoff, self.backoff * 2.0**retry)
        return cap * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    url: str
    params: dict[str, str]
    content: bytes
    headers: dict[str, str]


class _Head(msgspec.Struct):
    ErrorCode: int
    ActionStatus: str = ""
    ErrorInfo: str = ""
    RequestId: str = ""


class _Live(msgspec.Struct, Generic[R]):
    Response: R


_head_decoder = msgspec.json.Decoder(_Head)
_encoder = msgspec.json.Encoder()


class Core:
    """Credentials, the cached admin UserSig and the wire rules shared by both clients."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        sdkappid: int,
        secret_key: str,
        identifier: str = DEFAULT_IDENTIFIER,
        usersig_ttl: int = 86400,
        retry: Retry | int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret_key:
            raise ValueError("secret_key: required")
        if not identifier:
            raise ValueError("identifier: required")
        if usersig_ttl < 60:
            raise ValueError("usersig_ttl: at least 60 seconds")
        self.base_url = base_url.rstrip("/")
        self.sdkappid = int(sdkappid)
        self.identifier = identifier
        self.usersig_ttl = usersig_ttl
        self.retry = retry if isinstance(retry, Retry) else Retry(attempts=retry)
        self._secret_key = secret_key
        self._clock = clock
        self._sig = ""
        self._sig_refresh_at = 0.0
        self._decoders: dict[tuple[type[Any], bool], msgspec.json.Decoder[Any]] = {}

    def __repr__(self) -> str:
        return f"Core(base_url={self.base_url!r}, sdkappid={self.sdkappid}, identifier={self.identifier!r})"

    def usersig(self) -> str:
        """The admin UserSig, minted again when four fifths of its lifetime have passed."""
        now = self._clock()
        if not self._sig or now >= self._sig_refresh_at:
            issued = int(now)
            self._sig = usersig.generate(self.sdkappid, self._secret_key, self.identifier, self.usersig_ttl, now=issued)
            self._sig_refresh_at = issued + self.usersig_ttl * 0.8
        return self._sig

    def prepare(self, service: str, command: str, body: bytes) -> PreparedRequest:
        return PreparedRequest(
            url=f"{self.base_url}/v4/{service}/{command}",
            params={
                "sdkappid": str(self.sdkappid),
                "identifier": self.identifier,
                "usersig": self.usersig(),
                "random": str(secrets.randbits(32)),
                "contenttype": "json",
            },
            content=body,
            headers={"content-type": "application/json", "user-agent": USER_AGENT},
        )

    def prepare_call(self, endpoint: Endpoint, request: msgspec.Struct) -> PreparedRequest:
        return self.prepare(endpoint.service, endpoint.command, _encoder.encode(request))

    def prepare_raw(self, service: str, command: str, data: Any) -> PreparedRequest:
        return self.prepare(service, command, _encoder.encode({} if data is None else data))

    def _check(self, status_code: int, content: bytes) -> _Head:
        try:
            head = _head_decoder.decode(content)
        except msgspec.DecodeError:
            snippet = content[:200].decode("utf-8", "replace")
            raise UnexpectedResponseError(
                status_code, f"HTTP {status_code}, not an API envelope: {snippet!r}"
            ) from None
        if head.ErrorCode != 0:
            raise error_for(head.ErrorCode, head.ErrorInfo, head.RequestId)
        return head

    @overload
    def parse(self, endpoint: Endpoint, status_code: int, content: bytes, response: type[R]) -> R: ...
    @overload
    def parse(self, endpoint: Endpoint, status_code: int, content: bytes, response: None) -> None: ...
    def parse(self, endpoint: Endpoint, status_code: int, content: bytes, response: type[R] | None) -> R | None:
        """The decoded result of a successful answer; raises the ``LiveroomError`` an error answer carries."""
        head = self._check(status_code, content)
        if response is None:
            return None
        key = (response, endpoint.top_level)
        decoder = self._decoders.get(key)
        if decoder is None:
            decoder = msgspec.json.Decoder(response if endpoint.top_level else _Live[response])  # type: ignore[valid-type]
            self._decoders[key] = decoder
        try:
            decoded = decoder.decode(content)
        except msgspec.ValidationError as exc:
            raise UnexpectedResponseError(
                status_code, f"{endpoint.path}: the answer does not match the API ({exc}); RequestId {head.RequestId}"
            ) from None
        return cast(R, decoded if endpoint.top_level else decoded.Response)

    def parse_raw(self, status_code: int, content: bytes) -> dict[str, Any]:
        """The whole envelope of a successful answer as a dict (for commands the SDK has no method for)."""
        self._check(status_code, content)
        data = msgspec.json.decode(content)
        if not isinstance(data, dict):
            raise UnexpectedResponseError(status_code, "the answer is not a JSON object")
        return data

    def retry_delay(self, error: LiveroomError, retries_done: int) -> float | None:
        """Seconds to wait before trying again, or ``None`` when ``error`` is final."""
        if error.code not in self.retry.codes or retries_done >= self.retry.attempts:
            return None
        return self.retry.delay(retries_done)


class SyncCaller(Protocol):
    @overload
    def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R]) -> R: ...
    @overload
    def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: None) -> None: ...


class AsyncCaller(Protocol):
    @overload
    async def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R]) -> R: ...
    @overload
    async def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: None) -> None: ...


@dataclass(frozen=True, slots=True)
class Operation:
    """A command as the SDK knows it: its endpoint, its Python group and method, its request and result types."""

    endpoint: Endpoint
    group: str
    method: str
    request: type[msgspec.Struct]
    response: type[msgspec.Struct] | None


def stuck_cursor(path: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(200, f"{path}: the server answered the same cursor twice; stopping the listing")
