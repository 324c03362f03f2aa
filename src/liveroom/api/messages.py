"""Messages, ``v4/live_engine_http_srv/send_{text,custom}_msg``: the app backend speaks in a room."""

from __future__ import annotations

from typing import Annotated

from msgspec import field

from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE
from liveroom.api.wire import AccountId, RoomId, Wire, text
from liveroom.domain import messages
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode

ERRORS = (ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND)


class SendTextRequest(Wire):
    room_id: RoomId
    sender_account: AccountId = field(name="Sender_Account")
    text_content: Annotated[str, text(1)]
    extension_info: str = ""


@command(SERVICE, "send_text_msg", request=SendTextRequest, errors=ERRORS)
async def send_text_msg(svc: Services, caller: Caller, req: SendTextRequest) -> None:
    """Send a text message as ``Sender_Account`` to every member online (``ExtensionInfo``: a JSON string)."""
    await messages.send_text(
        svc, caller, req.room_id, req.sender_account, req.text_content, req.extension_info, as_member=False
    )


class SendCustomRequest(Wire):
    room_id: RoomId
    sender_account: AccountId = field(name="Sender_Account")
    business_id: Annotated[str, text(1, 128)]
    data: str


@command(SERVICE, "send_custom_msg", request=SendCustomRequest, errors=ERRORS)
async def send_custom_msg(svc: Services, caller: Caller, req: SendCustomRequest) -> None:
    """Send a custom message (``BusinessId`` names its kind, ``Data`` is its content) to every member online."""
    await messages.send_custom(svc, caller, req.room_id, req.sender_account, req.business_id, req.data, as_member=False)
