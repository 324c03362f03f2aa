"""The gateway's query string, read in the few operations every request can afford.

Every ``/v4`` request carries ``sdkappid``, ``identifier``, ``usersig``, ``random`` and ``contenttype``; reading them
is on the hot path of every API, so the parsing avoids work the common request does not need (a general parser
decodes every pair and builds lists per name).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

_QUERY_NAMES = frozenset({b"sdkappid", b"identifier", b"usersig", b"random", b"contenttype"})
_PERCENT, _PLUS = ord("%"), ord("+")
RANDOM_MAX = 4294967295
# As long as the longest unsigned 64-bit integer: any client's integer, padded or not, and no longer.
RANDOM_DIGITS = 20


def parse_query(raw: bytes) -> dict[bytes, bytes]:
    """Every ``name=value`` pair (the first occurrence of a name wins), the gateway's five URL-decoded."""
    params: dict[bytes, bytes] = {}
    # Backwards, so that the first occurrence is written last; no test per name on the common path.
    for part in reversed(raw.split(b"&")):
        name, _, value = part.partition(b"=")
        params[name] = value
    # Integer membership: ``b"%" in raw`` costs ten times as much (a buffer lookup per test), on every request.
    if _PERCENT in raw or _PLUS in raw:
        for name in _QUERY_NAMES:
            encoded = params.get(name)
            if encoded is not None and (_PERCENT in encoded or _PLUS in encoded):
                params[name] = unquote_to_bytes(encoded.replace(b"+", b" "))
    return params


def valid_random(random: bytes | None) -> bool:
    """``random`` is an integer 0..4294967295 written in at most ``RANDOM_DIGITS`` digits (leading zeros allowed)."""
    # Nine digits or fewer always fit: int() is reached only by longer ones, and never by more than int() reads.
    return (
        random is not None
        and random.isdigit()
        and (len(random) <= 9 or (len(random) <= RANDOM_DIGITS and int(random) <= RANDOM_MAX))
    )
