"""UserSig v2 (TLS signature API v2): generate, decode and verify, with the standard library only.

The server's gateway and the SDK share this module. The byte layout follows Tencent's public generators, so a
sig minted here is byte-identical to one from the PyPI package ``tls-sig-api-v2`` for the same issue time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib
from dataclasses import dataclass

DEFAULT_EXPIRE = 180 * 86400
_MAX_INFLATED = 8192

_TO_SIG = str.maketrans("+/=", "*-_")
_FROM_SIG = str.maketrans("*-_", "+/=")


class UserSigError(Exception):
    """Why a UserSig was refused; ``reason`` is one of the class constants below."""

    MALFORMED = "malformed"
    SDKAPPID_MISMATCH = "sdkappid mismatch"
    IDENTIFIER_MISMATCH = "identifier mismatch"
    SIGNATURE_MISMATCH = "signature mismatch"
    EXPIRED = "expired"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class UserSigClaims:
    """What a UserSig states about itself once decoded (not yet verified)."""

    sdkappid: int
    identifier: str
    issued_at: int
    expire: int
    signature: bytes
    userbuf: str | None

    @property
    def expires_at(self) -> int:
        return self.issued_at + self.expire


def _content(identifier: str, sdkappid: int, issued_at: int, expire: int, userbuf: str | None) -> bytes:
    text = f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{issued_at}\nTLS.expire:{expire}\n"
    if userbuf is not None:
        text += f"TLS.userbuf:{userbuf}\n"
    return text.encode()


def _hmac(key: str, content: bytes) -> bytes:
    return hmac.new(key.encode(), content, hashlib.sha256).digest()


def generate(
    sdkappid: int,
    secret_key: str,
    identifier: str,
    expire: int = DEFAULT_EXPIRE,
    *,
    now: int | None = None,
) -> str:
    """Mint a UserSig for ``identifier``, valid ``expire`` seconds from ``now`` (default: the current time)."""
    issued_at = int(time.time()) if now is None else now
    signature = _hmac(secret_key, _content(identifier, sdkappid, issued_at, expire, None))
    # json.dumps with its default separators and this key order reproduces Tencent's generator byte for byte.
    document = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": issued_at,
        "TLS.sig": base64.b64encode(signature).decode(),
    }
    compressed = zlib.compress(json.dumps(document).encode())
    return base64.b64encode(compressed).decode().translate(_TO_SIG)


def decode(usersig: str) -> UserSigClaims:
    """Unpack a UserSig without checking its signature; raises ``UserSigError(MALFORMED)`` and nothing else."""
    try:
        compressed = base64.b64decode(usersig.translate(_FROM_SIG), validate=True)
        # A real sig inflates to a few hundred bytes; refuse zip bombs, and truncated streams (no checksum).
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, _MAX_INFLATED)
        if inflater.unconsumed_tail or not inflater.eof:
            raise UserSigError(UserSigError.MALFORMED)
        document = json.loads(raw)
    except (binascii.Error, zlib.error, ValueError, RecursionError) as exc:
        # ValueError covers non-ASCII input, bad UTF-8 and over-long integers; RecursionError deep nesting.
        raise UserSigError(UserSigError.MALFORMED) from exc
    if not isinstance(document, dict):
        raise UserSigError(UserSigError.MALFORMED)
    sdkappid = document.get("TLS.sdkappid")
    identifier = document.get("TLS.identifier")
    issued_at = document.get("TLS.time")
    expire = document.get("TLS.expire")
    sig = document.get("TLS.sig")
    userbuf = document.get("TLS.userbuf")
    if (
        not isinstance(sdkappid, int)
        or not isinstance(issued_at, int)
        or not isinstance(expire, int)
        or isinstance(sdkappid, bool)
        or isinstance(issued_at, bool)
        or isinstance(expire, bool)
        or not isinstance(identifier, str)
        or not isinstance(sig, str)
        or not (userbuf is None or isinstance(userbuf, str))
    ):
        raise UserSigError(UserSigError.MALFORMED)
    try:
        # The signed content is UTF-8: a lone surrogate (JSON "\ud800") could never be signed.
        identifier.encode()
        if userbuf is not None:
            userbuf.encode()
        signature = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UserSigError(UserSigError.MALFORMED) from exc
    return UserSigClaims(sdkappid, identifier, issued_at, expire, signature, userbuf)


def signature_matches(claims: UserSigClaims, secret_key: str) -> bool:
    """Recompute the HMAC over the claims and compare in constant time."""
    content = _content(claims.identifier, claims.sdkappid, claims.issued_at, claims.expire, claims.userbuf)
    return hmac.compare_digest(_hmac(secret_key, content), claims.signature)


def verify(
    usersig: str,
    sdkappid: int,
    identifier: str,
    secret_key: str,
    *,
    now: int | None = None,
) -> UserSigClaims:
    """Decode and check a UserSig in the gateway's order; raises ``UserSigError`` naming the first failure."""
    claims = decode(usersig)
    if claims.sdkappid != sdkappid:
        raise UserSigError(UserSigError.SDKAPPID_MISMATCH)
    if claims.identifier != identifier:
        raise UserSigError(UserSigError.IDENTIFIER_MISMATCH)
    if not signature_matches(claims, secret_key):
        raise UserSigError(UserSigError.SIGNATURE_MISMATCH)
    if (int(time.time()) if now is None else now) > claims.expires_at:
        raise UserSigError(UserSigError.EXPIRED)
    return claims
