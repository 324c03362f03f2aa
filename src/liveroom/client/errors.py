"""The SDK's exceptions: every failed call raises exactly one of these.

::

    LiveroomError(code, info, request_id)        any answer with ErrorCode != 0
     ├── AuthenticationError                     the UserSig, identifier or app was refused (600xx, 700xx)
     │    └── PermissionDeniedError              authenticated, but not allowed (60010, 70403, 100006 ...)
     ├── RateLimitedError                        too many calls (60007 is retried with backoff first)
     ├── NotFoundError                           no such room, account or path (100004, 70107, 60009 ...)
     ├── InvalidParameterError                   the request was refused as written (100002, 70402, 60003 ...)
     ├── ConflictError                           the request clashes with the current state (100003, 100010 ...)
     ├── ServerError                             the server failed; retrying later may work (100001, 70500 ...)
     │    └── UnexpectedResponseError            not an envelope at all (HTTP 502, HTML from a proxy ...)
     └── ConnectionClosedError                   the realtime connection ended (``code`` is the close code)

A code this SDK does not know raises ``LiveroomError`` itself. Network failures (timeouts, refused connections)
are httpx's own exceptions and are not wrapped. Errors of the realtime gateway (``RealtimeClient``) raise the same
classes for the same codes, with the gateway's stable ``reason`` word (``"muted"``, ``"not_in_room"`` ...).
"""

from __future__ import annotations


class LiveroomError(Exception):
    """An answer with a non-zero ``ErrorCode``: the code, the server's ``ErrorInfo`` and its ``RequestId``."""

    def __init__(self, code: int, info: str, request_id: str = "") -> None:
        super().__init__(f"{code}: {info}" + (f" (RequestId {request_id})" if request_id else ""))
        self.code = code
        self.info = info
        self.request_id = request_id
        # The realtime gateway's word for the refusal (docs/realtime.md); "" for REST answers.
        self.reason = ""


class AuthenticationError(LiveroomError):
    """The app, the identifier or the UserSig was refused: check the credentials."""


class PermissionDeniedError(AuthenticationError):
    """The caller is known but may not do this (not an admin, no permission, no package)."""


class RateLimitedError(LiveroomError):
    """Too many calls; 60007 answers were already retried with backoff before this was raised."""


class NotFoundError(LiveroomError):
    """The room, account or API path does not exist."""


class InvalidParameterError(LiveroomError):
    """A field is missing, of the wrong type or over a limit; ``info`` names the field and the rule."""


class ConflictError(LiveroomError):
    """The request clashes with what exists (the room already exists, the new owner is banned ...)."""


class ServerError(LiveroomError):
    """The server failed to answer the request; it may succeed later."""


class UnexpectedResponseError(ServerError):
    """The answer was not a liveroom/Tencent envelope (``code`` -1); ``status_code`` is the HTTP status."""

    def __init__(self, status_code: int, info: str) -> None:
        super().__init__(-1, info)
        self.status_code = status_code


class ConnectionClosedError(LiveroomError):
    """The realtime connection was closed by the server or the network; ``code`` is the WebSocket close code
    (4001 authentication failed, 4008 no heartbeat, 4009 too slow, 1006 dropped ...)."""


_CLASSES: dict[int, type[LiveroomError]] = {
    # REST framework
    60002: InvalidParameterError,  # the HTTP request could not be parsed (query string, method, size)
    60003: InvalidParameterError,  # body is not a JSON object
    60004: AuthenticationError,  # identifier missing / wrong
    60005: AuthenticationError,
    60006: AuthenticationError,  # SDKAppID invalid or unknown
    60007: RateLimitedError,
    60008: ServerError,  # service timed out
    60009: NotFoundError,  # no API at this path
    60010: PermissionDeniedError,  # identifier is not an app admin
    60011: RateLimitedError,  # SDKAppID-level rate
    60012: AuthenticationError,  # sdkappid missing
    60013: ServerError,
    60014: ServerError,
    60015: InvalidParameterError,  # an account id given as a JSON number
    60016: AuthenticationError,  # app disabled
    60017: PermissionDeniedError,  # request disabled
    60018: RateLimitedError,
    60019: RateLimitedError,
    60020: PermissionDeniedError,  # package expired
    60021: PermissionDeniedError,  # source IP not allowed
    80001: InvalidParameterError,  # blocked by content security
    80002: InvalidParameterError,  # message too large
    # UserSig and accounts
    70001: AuthenticationError,  # UserSig expired
    70002: AuthenticationError,  # UserSig empty
    70003: AuthenticationError,  # UserSig malformed
    70005: AuthenticationError,
    70009: AuthenticationError,  # signature mismatch (wrong key)
    70013: AuthenticationError,  # identifier mismatch
    70014: AuthenticationError,  # SDKAppID mismatch
    70016: AuthenticationError,
    70020: AuthenticationError,
    70050: AuthenticationError,  # locked out after too many failed verifications
    70051: PermissionDeniedError,  # account blocklisted
    70107: NotFoundError,  # account not imported
    70114: RateLimitedError,
    70169: ServerError,
    70202: ServerError,
    70206: InvalidParameterError,  # invalid batch size
    70398: ConflictError,  # account count limit reached
    70399: ConflictError,  # deleted account cannot be re-imported yet
    70402: InvalidParameterError,
    70403: PermissionDeniedError,
    70500: ServerError,
    71000: PermissionDeniedError,  # account deletion refused
    40601: InvalidParameterError,  # profile value too long
    10016: ConflictError,  # group message refused by the app backend (Group.CallbackBeforeSendMsg)
    # Live family
    100001: ServerError,
    100002: InvalidParameterError,
    100003: ConflictError,  # RoomId exists, another owner
    100004: NotFoundError,  # room not found
    100005: NotFoundError,  # not a member of the room
    100006: PermissionDeniedError,
    100007: PermissionDeniedError,  # no paid package
    100010: ConflictError,  # RoomId exists with the same owner
    100011: ConflictError,  # RoomId used by a Chat group
    100012: RateLimitedError,  # the same RoomId created twice within a second
    100016: ConflictError,  # the new owner is banned
    100020: ConflictError,  # too many admins
    100026: InvalidParameterError,  # sensitive words
    100211: ConflictError,  # the room has no seats
    100300: ConflictError,  # callback config exists
    100301: NotFoundError,  # callback config missing
    100302: NotFoundError,
    100500: InvalidParameterError,  # metadata: too many keys
    100501: InvalidParameterError,  # metadata: value too long
    100502: InvalidParameterError,  # metadata: values too long together
    102001: PermissionDeniedError,  # gifts not enabled
    102002: NotFoundError,  # gift not found
    102004: ConflictError,  # gift refused by the before-callback
    102008: ConflictError,  # gifts disabled in the room
}


def error_class(code: int) -> type[LiveroomError]:
    """The exception class raised for ``code`` (``LiveroomError`` for a code this SDK does not know)."""
    return _CLASSES.get(code, LiveroomError)


def error_for(code: int, info: str, request_id: str = "") -> LiveroomError:
    return error_class(code)(code, info, request_id)
