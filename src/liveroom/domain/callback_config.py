"""The callback configuration of an app (``v4/live_config/*``, decisions.md section 8).

One configuration per app: the URL and the commands sent to it, and the token that signs them. Every change moves
the app version, so every process (and node) uses the new configuration from its next request on.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.domain.callbacks import CATALOGUE
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import CallbackConfig, Transaction

URL_MAX_BYTES = 1024
TOKEN_MAX_BYTES = 128


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter("Url: must be an http:// or https:// URL")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidParameter("Url: printable ASCII without spaces (percent-encode anything else)")
    return url


def _check_commands(commands: Sequence[str]) -> frozenset[str]:
    for name in commands:
        if name not in CATALOGUE:
            raise InvalidParameter(f"CallbackCommandList: {name!r} is not a callback command")
    return frozenset(commands)


async def _configured(tx: Transaction, caller: Caller) -> CallbackConfig:
    config = await tx.callback_config(caller.sdkappid)
    if config is None or config.url is None:
        raise LiveError(ErrorCode.CALLBACK_NOT_FOUND, "callback: none is configured; create it with set_callback")
    return config


async def _save(tx: Transaction, caller: Caller, config: CallbackConfig) -> None:
    await tx.put_callback_config(caller.sdkappid, config)
    await tx.bump_app_version()


async def set_callback(svc: Services, caller: Caller, url: str, commands: Sequence[str]) -> None:
    """Create the configuration (100300 when one exists)."""
    url, wanted = _check_url(url), _check_commands(commands)
    async with svc.store.write() as tx:
        config = await tx.callback_config(caller.sdkappid) or CallbackConfig()
        if config.url is not None:
            raise LiveError(ErrorCode.CALLBACK_EXISTS, "callback: one is configured already; use update_callback")
        await _save(tx, caller, msgspec.structs.replace(config, url=url, commands=wanted))


async def update_callback(
    svc: Services, caller: Caller, url: str | UnsetType, commands: Sequence[str] | UnsetType
) -> None:
    """Change the given fields of the configuration (100301 when there is none)."""
    new_url = UNSET if isinstance(url, UnsetType) else _check_url(url)
    wanted = UNSET if isinstance(commands, UnsetType) else _check_commands(commands)
    async with svc.store.write() as tx:
        config = await _configured(tx, caller)
        if not isinstance(new_url, UnsetType):
            config = msgspec.structs.replace(config, url=new_url)
        if not isinstance(wanted, UnsetType):
            config = msgspec.structs.replace(config, commands=wanted)
        await _save(tx, caller, config)


async def delete_callback(svc: Services, caller: Caller) -> None:
    """Remove the URL and commands (the token stays); events not yet delivered are dropped by the sender."""
    async with svc.store.write() as tx:
        config = await _configured(tx, caller)
        await _save(tx, caller, msgspec.structs.replace(config, url=None, commands=frozenset()))


async def get_callback(svc: Services, caller: Caller) -> tuple[str, list[str]]:
    """The URL and the commands, by name."""
    async with svc.store.read() as tx:
        config = await _configured(tx, caller)
    assert config.url is not None
    return config.url, sorted(config.commands)


async def set_token(svc: Services, caller: Caller, token: str | UnsetType, enabled: bool | UnsetType) -> None:
    """Set the token or switch it on or off; the first time both are required."""
    async with svc.store.write() as tx:
        config = await tx.callback_config(caller.sdkappid) or CallbackConfig()
        if config.token is None:
            if isinstance(token, UnsetType):
                raise InvalidParameter("Token: required the first time")
            if isinstance(enabled, UnsetType):
                raise InvalidParameter("IsTokenEnable: required the first time")
        if not isinstance(token, UnsetType):
            config = msgspec.structs.replace(config, token=token)
        if not isinstance(enabled, UnsetType):
            config = msgspec.structs.replace(config, token_enabled=enabled)
        await _save(tx, caller, config)


async def get_token(svc: Services, caller: Caller) -> tuple[str, bool]:
    async with svc.store.read() as tx:
        config = await tx.callback_config(caller.sdkappid)
    if config is None or config.token is None:
        raise LiveError(ErrorCode.CALLBACK_TOKEN_NOT_FOUND, "Token: none is set; set it with set_callback_token")
    return config.token, config.token_enabled
