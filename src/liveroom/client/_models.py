"""The base of every request and result object: snake_case attributes, wire names one step away."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

T = TypeVar("T")
_BY_WIRE: dict[type[Any], dict[str, str]] = {}


class Model(msgspec.Struct, kw_only=True):
    """A typed request or result. ``obj.room_id`` and ``obj["RoomId"]`` read the same field.

    In results, a field the answer left out reads as its zero value (``""``, ``0``, ``False``, ``[]``), or
    ``None`` when the API calls it optional. Fields the server added after this SDK was generated are ignored.
    ``to_wire()`` gives the JSON object with the wire names.
    """

    @classmethod
    def wire_names(cls) -> dict[str, str]:
        """``{python_name: wire_name}`` for every field."""
        return dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))

    def __getitem__(self, wire_name: str) -> Any:
        cls = type(self)
        table = _BY_WIRE.get(cls)
        if table is None:
            table = _BY_WIRE[cls] = dict(zip(cls.__struct_encode_fields__, cls.__struct_fields__, strict=True))
        try:
            return getattr(self, table[wire_name])
        except KeyError:
            raise KeyError(wire_name) from None

    def to_wire(self) -> dict[str, Any]:
        """The JSON object with wire names; fields not given (``UNSET``, or ``None`` in results) are left out."""
        data = _drop_none(msgspec.to_builtins(self))
        assert isinstance(data, dict)
        return data


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def given(value: T | None) -> T | UnsetType:
    """``None`` (the default of every optional argument) means "leave the field out"."""
    return UNSET if value is None else value
