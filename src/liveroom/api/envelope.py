"""The JSON envelope every ``/v4/`` answer is wrapped in: the one place errors become wire bytes."""

from __future__ import annotations

import itertools
import random

import msgspec

from liveroom.errors import ErrorCode


class Failure(msgspec.Struct):
    ActionStatus: str
    ErrorInfo: str
    ErrorCode: int
    RequestId: str


_encode = msgspec.json.Encoder().encode
_sequence = itertools.count(1)
# random.randbytes is this, one Python call deeper.
_random_bits = random.getrandbits


def new_request_id() -> str:
    """``Id-<32 lowercase hex>-O-Seq-<n>``: random per request, the sequence per process.

    An identifier, not a secret, so the process's PRNG serves (no system call per request).
    """
    return f"Id-{_random_bits(128).to_bytes(16, 'little').hex()}-O-Seq-{next(_sequence)}"


_OK = b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"'


def success(request_id: str, payload: bytes | None, *, top_level: bool) -> bytes:
    """``payload`` is an encoded JSON object: nested under ``Response``, or merged into the envelope (IM)."""
    if payload is None or payload == b"{}":
        return b"".join((_OK, request_id.encode(), b'"}'))
    if top_level:
        return b"".join((_OK, request_id.encode(), b'",', memoryview(payload)[1:]))
    return b"".join((_OK, request_id.encode(), b'","Response":', payload, b"}"))


def failure(request_id: str, code: ErrorCode, info: str) -> bytes:
    return _encode(Failure("FAIL", info, int(code), request_id))
