"""Where a callback goes: the configured URL plus the query Tencent appends, signed while the token is enabled.

``Sign`` is the lowercase hex SHA-256 of the token followed by ``RequestTime`` (the Unix seconds of this attempt),
with no separator and no HMAC: the receiver recomputes it and rejects a RequestTime more than a minute away.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import urlencode

from liveroom.store.interface import CallbackConfig


def sign(token: str, request_time: int) -> str:
    return hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()


# Thousands of events a second share a few URLs, commands and addresses, and one RequestTime a second.
_signed = lru_cache(maxsize=64)(sign)


@lru_cache(maxsize=4096)
def _unsigned(url: str, sdkappid: int, command: str, client_ip: str, platform: str) -> str:
    query = {
        "SdkAppid": sdkappid,
        "CallbackCommand": command,
        "contenttype": "json",
        "ClientIP": client_ip,
        "OptPlatform": platform,
    }
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def delivery_url(config: CallbackConfig, sdkappid: int, command: str, client_ip: str, platform: str, now: int) -> str:
    """``Url?SdkAppid=N&CallbackCommand=C&contenttype=json&ClientIP=IP&OptPlatform=P[&Sign=S&RequestTime=T]``,
    percent-encoded (the configured URL is ASCII)."""
    assert config.url is not None
    url = _unsigned(config.url, sdkappid, command, client_ip, platform)
    if config.token_enabled and config.token is not None:
        return f"{url}&Sign={_signed(config.token, now)}&RequestTime={now}"
    return url
