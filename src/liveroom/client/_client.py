"""``Client`` and ``AsyncClient``: the same calls, over ``httpx.Client`` and ``httpx.AsyncClient``."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar, overload

import anyio
import httpx
import msgspec

from liveroom.client._core import (
    DEFAULT_BASE_URL,
    DEFAULT_IDENTIFIER,
    DEFAULT_TIMEOUT,
    Core,
    Endpoint,
    PreparedRequest,
    Retry,
)
from liveroom.client._generated import API, AsyncAPI
from liveroom.client.errors import LiveroomError

R = TypeVar("R")
log = logging.getLogger("liveroom.client")


def _log_retry(request: PreparedRequest, error: LiveroomError, retries: int, delay: float) -> None:
    path = request.url.rsplit("/v4/", 1)[-1]
    log.info("v4/%s answered %d (%s); retry %d in %.2fs", path, error.code, error.request_id, retries + 1, delay)


class Client(API):
    """Calls the Live API as an app admin: ``client.rooms.get_info("live-room")``.

    ``base_url`` is Tencent's China domain by default; point it at any liveroom server. The admin UserSig is
    minted from ``secret_key`` and renewed before it expires. Answers with ``ErrorCode`` 60007 are retried with
    backoff (``retry``: a count or a ``Retry``); every other failure raises at once (see ``liveroom.client.errors``).
    Pass ``http`` to reuse or replace the connection pool (it is then not closed by ``close()``).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sdkappid: int,
        secret_key: str,
        identifier: str = DEFAULT_IDENTIFIER,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | int = 3,
        usersig_ttl: int = 86400,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._core = Core(
            base_url=base_url,
            sdkappid=sdkappid,
            secret_key=secret_key,
            identifier=identifier,
            usersig_ttl=usersig_ttl,
            retry=retry,
        )
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._sleep = sleep
        self._bind(self)

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, sdkappid={self.sdkappid}, identifier={self.identifier!r})"

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def sdkappid(self) -> int:
        return self._core.sdkappid

    @property
    def identifier(self) -> str:
        return self._core.identifier

    def usersig(self) -> str:
        """The admin UserSig the next call will send."""
        return self._core.usersig()

    def _retrying(self, prepare: Callable[[], PreparedRequest], parse: Callable[[httpx.Response], R]) -> R:
        retries = 0
        while True:
            request = prepare()
            response = self._http.post(
                request.url, params=request.params, content=request.content, headers=request.headers
            )
            try:
                return parse(response)
            except LiveroomError as error:
                delay = self._core.retry_delay(error, retries)
                if delay is None:
                    raise
                _log_retry(request, error, retries, delay)
            self._sleep(delay)
            retries += 1

    @overload
    def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R]) -> R: ...
    @overload
    def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: None) -> None: ...
    def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R] | None) -> R | None:
        return self._retrying(
            lambda: self._core.prepare_call(endpoint, request),
            lambda r: self._core.parse(endpoint, r.status_code, r.content, response),
        )

    def call(self, service: str, command: str, data: Any = None) -> dict[str, Any]:
        """Call any command by name with a JSON-able body; answers the whole envelope as a dict."""
        return self._retrying(
            lambda: self._core.prepare_raw(service, command, data),
            lambda r: self._core.parse_raw(r.status_code, r.content),
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(AsyncAPI):
    """``Client`` for async code: the same groups and methods, awaited; ``aclose()`` or ``async with``."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sdkappid: int,
        secret_key: str,
        identifier: str = DEFAULT_IDENTIFIER,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | int = 3,
        usersig_ttl: int = 86400,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._core = Core(
            base_url=base_url,
            sdkappid=sdkappid,
            secret_key=secret_key,
            identifier=identifier,
            usersig_ttl=usersig_ttl,
            retry=retry,
        )
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep
        self._bind(self)

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r}, sdkappid={self.sdkappid}, identifier={self.identifier!r})"

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def sdkappid(self) -> int:
        return self._core.sdkappid

    @property
    def identifier(self) -> str:
        return self._core.identifier

    def usersig(self) -> str:
        """The admin UserSig the next call will send."""
        return self._core.usersig()

    async def _retrying(self, prepare: Callable[[], PreparedRequest], parse: Callable[[httpx.Response], R]) -> R:
        retries = 0
        while True:
            request = prepare()
            response = await self._http.post(
                request.url, params=request.params, content=request.content, headers=request.headers
            )
            try:
                return parse(response)
            except LiveroomError as error:
                delay = self._core.retry_delay(error, retries)
                if delay is None:
                    raise
                _log_retry(request, error, retries, delay)
            await self._sleep(delay)
            retries += 1

    @overload
    async def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R]) -> R: ...
    @overload
    async def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: None) -> None: ...
    async def _call(self, endpoint: Endpoint, request: msgspec.Struct, response: type[R] | None) -> R | None:
        return await self._retrying(
            lambda: self._core.prepare_call(endpoint, request),
            lambda r: self._core.parse(endpoint, r.status_code, r.content, response),
        )

    async def call(self, service: str, command: str, data: Any = None) -> dict[str, Any]:
        """Call any command by name with a JSON-able body; answers the whole envelope as a dict."""
        return await self._retrying(
            lambda: self._core.prepare_raw(service, command, data),
            lambda r: self._core.parse_raw(r.status_code, r.content),
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
