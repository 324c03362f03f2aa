"""The command registry: ``(service, command) -> schemas, handler, rate, error codes``.

It drives the gateway's dispatch, the rate limits, the OpenAPI document, the docs page and the SDK. Adding an
API is adding one ``@command`` entry next to its schemas; a module of such entries is served once it is named in
``liveroom.api.commands``, the one list the server's registry is built from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType
from typing import Any

import msgspec

from liveroom.api.wire import Validator
from liveroom.domain.context import Caller, Services
from liveroom.domain.ratelimit import Rate
from liveroom.errors import ErrorCode

# A handler may answer JSON it encoded itself (msgspec.Raw) in the shape of its declared response.
Handler = Callable[[Services, Caller, Any], Awaitable[msgspec.Struct | msgspec.Raw | None]]


class Family(Enum):
    """How a family shapes its answers and which code an invalid parameter gets."""

    LIVE = "live"  # payload under "Response"; invalid parameter 100002
    IM = "im"  # result fields at the top level; invalid parameter 70402

    @property
    def invalid_parameter(self) -> ErrorCode:
        return ErrorCode.LIVE_INVALID_PARAMETER if self is Family.LIVE else ErrorCode.IM_INVALID_PARAMETER

    @property
    def internal_error(self) -> ErrorCode:
        return ErrorCode.LIVE_INTERNAL if self is Family.LIVE else ErrorCode.IM_INTERNAL


COMMON_ERRORS = (
    ErrorCode.HTTP_PARSE_FAILED,
    ErrorCode.BODY_NOT_JSON,
    ErrorCode.IDENTIFIER_MISSING,
    ErrorCode.SDKAPPID_INVALID,
    ErrorCode.RATE_LIMITED,
    ErrorCode.UNKNOWN_RESOURCE,
    ErrorCode.ADMIN_REQUIRED,
    ErrorCode.SDKAPPID_MISSING,
    ErrorCode.ACCOUNT_NOT_STRING,
    ErrorCode.APP_DISABLED,
    ErrorCode.USERSIG_EXPIRED,
    ErrorCode.USERSIG_EMPTY,
    ErrorCode.USERSIG_INVALID,
    ErrorCode.USERSIG_SIGNATURE_MISMATCH,
    ErrorCode.USERSIG_IDENTIFIER_MISMATCH,
    ErrorCode.USERSIG_SDKAPPID_MISMATCH,
    ErrorCode.USERSIG_LOCKED_OUT,
)


@dataclass(frozen=True, slots=True)
class Command:
    service: str
    name: str
    request: type[msgspec.Struct]
    response: type[msgspec.Struct] | None
    handler: Handler
    rate: Rate
    family: Family
    errors: tuple[ErrorCode, ...]
    summary: str
    # The answer's fields beside the envelope's instead of under "Response": every IM answer, and get_gift's.
    top_level: bool
    decoder: msgspec.json.Decoder[Any] = field(repr=False)
    validator: Validator = field(repr=False)

    @property
    def path(self) -> str:
        return f"/v4/{self.service}/{self.name}"

    @property
    def all_errors(self) -> tuple[ErrorCode, ...]:
        codes = {*COMMON_ERRORS, self.family.invalid_parameter, self.family.internal_error, *self.errors}
        return tuple(sorted(codes))


# The commands each module declared with ``@command``, by module name, until a registry takes them.
DECLARED: dict[str, list[Command]] = {}


class Registry:
    def __init__(self) -> None:
        self._by_path: dict[str, Command] = {}

    @classmethod
    def of(cls, modules: Iterable[ModuleType]) -> Registry:
        """The commands the given API modules declared; a module that declares none is a mistake."""
        registry = cls()
        for module in modules:
            commands = DECLARED.get(module.__name__)
            if not commands:
                raise ValueError(f"{module.__name__} declares no @command")
            for declared in commands:
                registry.add(declared)
        return registry

    def add(self, command: Command) -> None:
        if command.path in self._by_path:
            raise ValueError(f"{command.path} is registered twice")
        self._by_path[command.path] = command

    def by_path(self, path: str) -> Command | None:
        return self._by_path.get(path)

    def get(self, service: str, name: str) -> Command | None:
        return self._by_path.get(f"/v4/{service}/{name}")

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._by_path.values(), key=lambda c: (c.service, c.name)))

    def __len__(self) -> int:
        return len(self._by_path)


def command(
    service: str,
    name: str,
    *,
    request: type[msgspec.Struct],
    response: type[msgspec.Struct] | None = None,
    rate: Rate = Rate(200),  # noqa: B008 - an immutable value
    family: Family = Family.LIVE,
    errors: tuple[ErrorCode, ...] = (),
    top_level: bool | None = None,
    registry: Registry | None = None,
) -> Callable[[Handler], Handler]:
    """Declare the decorated handler as ``POST /v4/{service}/{name}``, its docstring the summary: for the registry
    built from its module (``Registry.of``), or added to ``registry`` at once. ``top_level`` puts the answer's
    fields beside the envelope's (the family's way unless given)."""

    def register(handler: Handler) -> Handler:
        declared = Command(
            service=service,
            name=name,
            request=request,
            response=response,
            handler=handler,
            rate=rate,
            family=family,
            errors=errors,
            summary=(handler.__doc__ or name).strip(),
            top_level=family is Family.IM if top_level is None else top_level,
            decoder=msgspec.json.Decoder(request),
            validator=Validator(request),
        )
        if registry is None:
            DECLARED.setdefault(handler.__module__, []).append(declared)
        else:
            registry.add(declared)
        return handler

    return register
