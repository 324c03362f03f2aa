"""Every wire error code liveroom answers, and the one error type that carries it.

A failure anywhere below the gateway is raised once as ``LiveError(code, info)``; the gateway is the only
place that turns it into the JSON envelope.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """Wire error codes, named after their meaning (values exactly as Tencent publishes them)."""

    OK = 0
    # REST framework (shared by every family)
    HTTP_PARSE_FAILED = 60002
    BODY_NOT_JSON = 60003
    IDENTIFIER_MISSING = 60004
    SDKAPPID_INVALID = 60006
    RATE_LIMITED = 60007
    UNKNOWN_RESOURCE = 60009
    ADMIN_REQUIRED = 60010
    SDKAPPID_MISSING = 60012
    ACCOUNT_NOT_STRING = 60015
    APP_DISABLED = 60016
    # UserSig and accounts
    USERSIG_EXPIRED = 70001
    USERSIG_EMPTY = 70002
    USERSIG_INVALID = 70003
    USERSIG_SIGNATURE_MISMATCH = 70009
    USERSIG_IDENTIFIER_MISMATCH = 70013
    USERSIG_SDKAPPID_MISMATCH = 70014
    USERSIG_LOCKED_OUT = 70050
    ACCOUNT_NOT_FOUND = 70107
    IM_INVALID_PARAMETER = 70402
    IM_INTERNAL = 70500
    PROFILE_VALUE_TOO_LONG = 40601
    # IM group messages: the app backend refused the message through Group.CallbackBeforeSendMsg
    MESSAGE_REFUSED_BY_CALLBACK = 10016
    # Live family
    LIVE_INTERNAL = 100001
    LIVE_INVALID_PARAMETER = 100002
    ROOM_EXISTS = 100003
    ROOM_NOT_FOUND = 100004
    NOT_A_MEMBER = 100005
    NO_PERMISSION = 100006
    ROOM_EXISTS_SAME_OWNER = 100010
    OWNER_BANNED = 100016
    TOO_MANY_ADMINS = 100020
    SEATS_NOT_SUPPORTED = 100211
    CALLBACK_EXISTS = 100300
    CALLBACK_NOT_FOUND = 100301
    CALLBACK_TOKEN_NOT_FOUND = 100302
    METADATA_TOO_MANY_KEYS = 100500
    METADATA_VALUE_TOO_LONG = 100501
    METADATA_TOTAL_TOO_LONG = 100502
    # Gifts
    GIFT_NOT_ENABLED = 102001  # the app's package has no gift capability (liveroom never answers it: no packages)
    GIFT_NOT_FOUND = 102002  # no gift with this GiftId in the app's configuration
    GIFT_REFUSED = 102004  # the before-callback (Live.CallbackBeforeSendGift) refused the gift or failed
    GIFT_DISABLED_IN_ROOM = 102008  # gifts switched off for the room (liveroom never answers it: no such switch)


class LiveError(Exception):
    """A failure with its wire code and a human ``ErrorInfo`` (never a secret, never a stack trace)."""

    __slots__ = ("code", "info")

    def __init__(self, code: ErrorCode, info: str) -> None:
        super().__init__(f"{int(code)}: {info}")
        self.code = code
        self.info = info


class InvalidParameter(LiveError):
    """A body field missing, of the wrong type, or outside its range or length.

    Raised without knowing the API family: the gateway maps it to 100002 (Live) or 70402 (IM).
    """

    def __init__(self, info: str) -> None:
        super().__init__(ErrorCode.LIVE_INVALID_PARAMETER, info)
