"""Field types for request schemas and the checks msgspec cannot express (UTF-8 byte lengths, printable ASCII).

Request schemas are msgspec Structs whose fields use the annotated types below. ``compile_validator`` turns a
schema into one function that applies every byte-length rule, and ``explain`` turns msgspec's type errors into
an ``ErrorInfo`` that names the field and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import msgspec
import msgspec.inspect as mi

from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.records import given_fields

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT32_MAX = 2**32 - 1


def text(min_bytes: int = 0, max_bytes: int | None = None, *, ascii_printable: bool = False) -> msgspec.Meta:
    """A string limited in UTF-8 bytes (not characters)."""
    rule: dict[str, Any] = {"bytes": (min_bytes, max_bytes), "ascii": ascii_printable}
    limits = f"{min_bytes}-{max_bytes} bytes" if max_bytes is not None else f"at least {min_bytes} bytes"
    description = limits + (" of printable ASCII (0x20-0x7E)" if ascii_printable else " (UTF-8)")
    schema: dict[str, Any] = {"description": description, "minLength": 1 if min_bytes else 0}
    if max_bytes is not None:
        schema["maxLength"] = max_bytes
    return msgspec.Meta(extra=rule, extra_json_schema=schema)


def account(max_bytes: int = 32) -> msgspec.Meta:
    """An account id: a JSON string (a JSON number answers 60015), 1-``max_bytes`` bytes."""
    return msgspec.Meta(
        extra={"bytes": (1, max_bytes), "ascii": False, "account": True},
        extra_json_schema={"description": f"account id, 1-{max_bytes} bytes", "minLength": 1},
    )


RoomId = Annotated[str, text(1, 48, ascii_printable=True)]
AccountId = Annotated[str, account()]
Int64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]


Check = Callable[[Any], None]


def _byte_check(where: str, low: int, high: int | None, ascii_printable: bool) -> Check:
    def check(value: Any) -> None:
        # Values of other types in a union are the other members' business.
        if not isinstance(value, str):
            return
        if ascii_printable:
            if not (value.isascii() and value.isprintable()):
                raise InvalidParameter(f"{where}: printable ASCII only (0x20-0x7E)")
            size = len(value)
        else:
            # NUL is refused everywhere: PostgreSQL cannot store it, and no client means it.
            if "\x00" in value:
                raise InvalidParameter(f"{where}: must not contain NUL (U+0000)")
            size = len(value.encode())
        if size < low:
            raise InvalidParameter(f"{where}: must not be empty" if size == 0 else f"{where}: at least {low} bytes")
        if high is not None and size > high:
            raise InvalidParameter(f"{where}: at most {high} bytes")

    return check


def _unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any]]:
    extra: dict[str, Any] = {}
    while isinstance(t, mi.Metadata):
        extra.update(t.extra or {})
        t = t.type
    return t, extra


def _compile_type(t: mi.Type, where: str, accounts: set[str]) -> Check | None:
    inner, extra = _unwrap(t)
    if isinstance(inner, mi.UnionType):
        # Every check below ignores values of other types, so a union applies all of its members' checks.
        checks = [c for c in (_compile_type(x, where, accounts) for x in inner.types) if c is not None]
        if not checks:
            return None

        def union_check(value: Any) -> None:
            for c in checks:
                c(value)

        return union_check
    if isinstance(inner, mi.StrType):
        if extra.get("account"):
            accounts.add(where)
        low, high = extra.get("bytes", (0, None))
        return _byte_check(where, low, high, bool(extra.get("ascii")))
    if isinstance(inner, mi.ListType):
        item = _compile_type(inner.item_type, where + "[]", accounts)
        if item is None:
            return None

        def list_check(value: Any) -> None:
            if isinstance(value, list):
                for element in value:
                    item(element)

        return list_check
    if isinstance(inner, mi.StructType):
        struct_check = _compile_struct(inner, where + "." if where else "", accounts)

        def nested(value: Any) -> None:
            if isinstance(value, msgspec.Struct):
                struct_check(value)

        return nested
    return None


def _compile_struct(info: mi.StructType, prefix: str, accounts: set[str]) -> Check:
    fields: list[tuple[str, Check]] = []
    for f in info.fields:
        check = _compile_type(f.type, prefix + f.encode_name, accounts)
        if check is not None:
            fields.append((f.name, check))

    if len(fields) == 1:
        # Most requests name one room or one account: one call fewer on every request.
        (only, only_check), *_ = fields

        def check_field(obj: Any) -> None:
            only_check(getattr(obj, only))

        return check_field

    def check_struct(obj: Any) -> None:
        for name, check in fields:
            check(getattr(obj, name))

    return check_struct


class Validator:
    """The byte-length checks of one request schema, and the account fields inside it."""

    __slots__ = ("accounts", "check")

    def __init__(self, schema: type[msgspec.Struct]) -> None:
        self.accounts: set[str] = set()
        info = mi.type_info(schema)
        assert isinstance(info, mi.StructType)
        self.check = _compile_struct(info, "", self.accounts)


_ERROR = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "null": "null",
    "array": "an array",
    "object": "an object",
}
_EXPECTED = re.compile(r"^Expected `(?P<want>\w+)`, got `(?P<got>\w+)`$")
_RANGE = re.compile(r"^Expected `(?P<want>\w+)` (?P<op>[<>]=?) (?P<bound>-?\d+)$")
_LENGTH = re.compile(r"^Expected `array` of length (?P<op>[<>]=?) (?P<bound>\d+)$")
_INDEX = re.compile(r"\[\d+\]")


def explain(error: msgspec.ValidationError, validator: Validator) -> LiveError:
    """Turn msgspec's message into our rule text; 60015 for an account id sent as a JSON number."""
    m = _ERROR.match(str(error))
    assert m is not None
    reason, path = m.group("reason"), (m.group("path") or "").lstrip(".")
    if not path and reason.startswith("Expected `object`"):
        return LiveError(ErrorCode.BODY_NOT_JSON, "body: must be a JSON object")
    missing = _MISSING.match(reason)
    if missing:
        where = f"{path}.{missing.group('field')}" if path else missing.group("field")
        return InvalidParameter(f"{where}: required")
    expected = _EXPECTED.match(reason)
    if expected:
        got = expected.group("got")
        if got in {"int", "float"} and _INDEX.sub("[]", path) in validator.accounts:
            return LiveError(ErrorCode.ACCOUNT_NOT_STRING, f"{path}: account ids must be JSON strings")
        want = _TYPES.get(expected.group("want"), expected.group("want"))
        return InvalidParameter(f"{path}: must be {want}, got {_TYPES.get(got, got)}")
    ranged = _RANGE.match(reason)
    if ranged:
        return InvalidParameter(f"{path}: must be {ranged.group('op')} {ranged.group('bound')}")
    length = _LENGTH.match(reason)
    if length:
        bound = int(length.group("bound"))
        rule = f"at most {bound} items" if length.group("op") == "<=" else f"at least {bound} items"
        return InvalidParameter(f"{path}: {rule}")
    return InvalidParameter(f"{path or 'body'}: {reason[0].lower()}{reason[1:]}")


_In = TypeVar("_In", bound=msgspec.Struct)


class Wire(msgspec.Struct, rename="pascal", kw_only=True):
    """Base of the wire schemas: snake_case in Python, PascalCase on the wire."""


class Empty(Wire):
    """A request whose body has no fields: ``{}``."""


def domain_input(wire: msgspec.Struct, kind: type[_In]) -> _In:
    """The typed domain input a request Struct carries: the fields it was given, by their Python names, converted
    (lists to tuples ...) and checked against ``kind``'s types; fields ``kind`` does not have (a key such as
    ``room_id`` the handler passes apart) are left out."""
    return msgspec.convert(given_fields(wire), kind)
