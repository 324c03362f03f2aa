"""Where a callback goes: the configured URL plus the query Tencent appends, signed while the token is enabled.

``Sign`` is the lowercase hex SHA-256 of the token followed by ``RequestTime`` (the Unix seconds of this attempt),
with no separator and no HMAC: the receiver recomputes it and rejects a RequestTime more than a minute away.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from liveroom.store.interface import CallbackConfig


def sign(token: str, request_time: int) -> str:
    return hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()


def delivery_url(config: CallbackConfig, sdkappid: int, command: str, client_ip: str, platform: str, now: int) -> str:
    """``Url?SdkAppid=N&CallbackCommand=C&contenttype=json&ClientIP=IP&OptPlatform=P[&Sign=S&RequestTime=T]``."""
    assert config.url is not None
    query = {
        "SdkAppid": sdkappid,
        "CallbackCommand": command,
        "contenttype": "json",
        "ClientIP": client_ip,
        "OptPlatform": platform,
    }
    if config.token_enabled and config.token is not None:
        query["Sign"] = sign(config.token, now)
        query["RequestTime"] = now
    separator = "&" if "?" in config.url else "?"
    return f"{config.url}{separator}{urlencode(query)}"
