"""Webhook configuration, ``v4/live_config/*``: the callback URL and commands, and the token that signs them."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from liveroom.api.registry import command
from liveroom.api.wire import Empty, Wire, text
from liveroom.domain import callback_config
from liveroom.domain.callbacks import CATALOGUE
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode

SERVICE = "live_config"

Url = Annotated[
    str, text(1, callback_config.URL_MAX_BYTES), Meta(description="http:// or https:// URL, at most 1024 bytes")
]
CommandName = Annotated[str, Meta(extra_json_schema={"enum": sorted(CATALOGUE)})]
CommandList = Annotated[
    list[CommandName],
    Meta(max_length=64, description="CallbackCommand names from the catalogue; empty: none is sent"),
]
Token = Annotated[str, text(1, callback_config.TOKEN_MAX_BYTES)]


class SetCallbackRequest(Wire):
    url: Url
    callback_command_list: CommandList


class UpdateCallbackRequest(Wire):
    url: Url | UnsetType = UNSET
    callback_command_list: CommandList | UnsetType = UNSET


class GetCallbackResponse(Wire):
    url: str
    callback_command_list: list[str]


class SetTokenRequest(Wire):
    token: Token | UnsetType = UNSET
    is_token_enable: bool | UnsetType = UNSET


class GetTokenResponse(Wire):
    token: str
    is_token_enable: bool


@command(SERVICE, "set_callback", request=SetCallbackRequest, errors=(ErrorCode.CALLBACK_EXISTS,))
async def set_callback(svc: Services, caller: Caller, req: SetCallbackRequest) -> None:
    """Create the app's callback configuration: the URL events are sent to and the commands sent."""
    await callback_config.set_callback(svc, caller, req.url, req.callback_command_list)


@command(SERVICE, "update_callback", request=UpdateCallbackRequest, errors=(ErrorCode.CALLBACK_NOT_FOUND,))
async def update_callback(svc: Services, caller: Caller, req: UpdateCallbackRequest) -> None:
    """Change the URL or the commands of the app's callback configuration."""
    await callback_config.update_callback(svc, caller, req.url, req.callback_command_list)


@command(SERVICE, "delete_callback", request=Empty, errors=(ErrorCode.CALLBACK_NOT_FOUND,))
async def delete_callback(svc: Services, caller: Caller, _req: Empty) -> None:
    """Remove the app's callback configuration (the token stays); nothing is sent any more."""
    await callback_config.delete_callback(svc, caller)


@command(
    SERVICE,
    "get_callback",
    request=Empty,
    response=GetCallbackResponse,
    errors=(ErrorCode.CALLBACK_NOT_FOUND,),
)
async def get_callback(svc: Services, caller: Caller, _req: Empty) -> GetCallbackResponse:
    """Read the app's callback configuration."""
    url, commands = await callback_config.get_callback(svc, caller)
    return GetCallbackResponse(url=url, callback_command_list=commands)


@command(SERVICE, "set_callback_token", request=SetTokenRequest)
async def set_callback_token(svc: Services, caller: Caller, req: SetTokenRequest) -> None:
    """Set the token that signs callbacks (``Sign``, ``RequestTime``) or switch it on or off; both fields are
    required the first time."""
    await callback_config.set_token(svc, caller, req.token, req.is_token_enable)


@command(
    SERVICE,
    "get_callback_token",
    request=Empty,
    response=GetTokenResponse,
    errors=(ErrorCode.CALLBACK_TOKEN_NOT_FOUND,),
)
async def get_callback_token(svc: Services, caller: Caller, _req: Empty) -> GetTokenResponse:
    """Read the token and whether callbacks are signed with it."""
    token, enabled = await callback_config.get_token(svc, caller)
    return GetTokenResponse(token=token, is_token_enable=enabled)
