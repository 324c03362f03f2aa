"""Room messages: text, custom and likes, delivered to every member online and counted in the room's statistics.

A member speaking through the client gateway must be in the room, not muted, and not silenced by the room-wide
``IsMessageDisabled`` (which spares the owner and the room's admins). The app backend (REST ``send_text_msg`` /
``send_custom_msg``) speaks for any imported account, in the room or not.
"""

from __future__ import annotations

import random

import msgspec

from liveroom.domain import callbacks
from liveroom.domain.accounts import require_imported
from liveroom.domain.callbacks import MessageSent
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import CustomMessage, Liked, TextMessage
from liveroom.domain.hooks import MessageToSend
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import require_room
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import RoomRecord, Transaction

# A message is refused above Tencent's 8 KB packet limit (its content fields together, in UTF-8 bytes).
MESSAGE_MAX_BYTES = 8 * 1024
LIKES_MAX = 100


def _check_size(field: str, *parts: str) -> None:
    if sum(len(p.encode()) for p in parts) > MESSAGE_MAX_BYTES:
        raise InvalidParameter(f"{field}: message larger than {MESSAGE_MAX_BYTES} bytes")


def _check_json(field: str, value: str) -> None:
    if value:
        try:
            msgspec.json.decode(value)
        except msgspec.DecodeError:
            raise InvalidParameter(f"{field}: must be a JSON string") from None


async def send_text(
    svc: Services, caller: Caller, room_id: str, sender: str, text: str, extension: str, *, as_member: bool
) -> None:
    """``as_member``: ``caller`` is the sender, a member on the client gateway; else the app backend for ``sender``."""
    _check_size("TextContent", text, extension)
    _check_json("ExtensionInfo", extension)
    await _deliver(
        svc,
        caller,
        sender,
        as_member,
        TextMessage(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            sender_account=sender,
            text_content=text,
            extension_info=extension,
        ),
    )


async def send_custom(
    svc: Services, caller: Caller, room_id: str, sender: str, business_id: str, data: str, *, as_member: bool
) -> None:
    _check_size("Data", business_id, data)
    await _deliver(
        svc,
        caller,
        sender,
        as_member,
        CustomMessage(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            sender_account=sender,
            business_id=business_id,
            data=data,
        ),
    )


async def _deliver(
    svc: Services, caller: Caller, sender: str, as_member: bool, message: TextMessage | CustomMessage
) -> None:
    room_id = message.room_id
    if isinstance(message, TextMessage):
        kind, text, extension = "text", message.text_content, message.extension_info
    else:
        kind, text, extension = "custom", message.data, message.business_id
    to_send = MessageToSend(
        room_id=room_id,
        operator=caller.identifier,
        sender=sender,
        kind=kind,
        text=text,
        extension=extension,
        time=svc.now(),
        random=random.getrandbits(32),
        client_ip=caller.client_ip,
        platform=caller.platform,
    )
    if callbacks.wanted(caller, callbacks.BEFORE_SEND_MSG):
        # The backend is asked outside the write (it may take 2 s), about a message that would be sent now.
        async with svc.store.read() as tx:
            await _may_send(svc, tx, caller, sender, as_member, room_id)
        await svc.hooks.allow_message(caller.app, to_send)
    async with svc.store.write() as tx:
        await _may_send(svc, tx, caller, sender, as_member, room_id)
        seq = await tx.add_messages(caller.sdkappid, room_id, 1)
        sent = MessageSent(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            sender=sender,
            msg_type=kind,
            text=text,
            extension=extension,
            msg_seq=seq,
            random=to_send.random,
            msg_time=to_send.time,
        )
        await callbacks.record(svc, tx, caller, sent)
    await svc.events.publish(message)


async def _may_send(svc: Services, tx: Transaction, caller: Caller, sender: str, as_member: bool, room_id: str) -> None:
    room = await require_room(tx, caller, room_id)
    if as_member:
        await _may_speak(svc, tx, caller, room)
    else:
        await require_imported(tx, caller, [sender], "Sender_Account")


async def may_like(svc: Services, caller: Caller, room_id: str, count: int) -> None:
    """Refused unless a member online may like the room ``count`` times; mutes do not stop likes."""
    if not 1 <= count <= LIKES_MAX:
        raise InvalidParameter(f"Count: must be 1..{LIKES_MAX}")
    await require_present(svc, caller, room_id)


async def add_likes(svc: Services, caller: Caller, room_id: str, count: int) -> int:
    """Count ``count`` likes of the room in TotalLikesReceived (one write, the likes of several members together
    when the gateway gathers them; ``caller`` the last of them), then one ``like`` event with the room's total;
    answers the total."""
    async with svc.store.write() as tx:
        total = await tx.add_likes(caller.sdkappid, room_id, count)
        if total is None:
            raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
    await svc.events.publish(
        Liked(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            sender_account=caller.identifier,
            count=count,
            total_likes_received=total,
        )
    )
    return total


async def require_present(svc: Services, caller: Caller, room_id: str) -> None:
    """100005 ``not_in_room`` unless the caller is a member online in the room."""
    if not await svc.presence.is_present(caller.sdkappid, room_id, caller.identifier):
        raise Refused(ErrorCode.NOT_A_MEMBER, "not_in_room", f"RoomId: you are not in room {room_id!r}")


async def _may_speak(svc: Services, tx: Transaction, caller: Caller, room: RoomRecord) -> None:
    sdkappid, user_id, room_id = caller.sdkappid, caller.identifier, room.room_id
    await require_present(svc, caller, room_id)
    if await tx.muted_until(sdkappid, room_id, user_id, svc.now()) is not None:
        raise Refused(ErrorCode.NO_PERMISSION, "muted", f"RoomId: you are muted in room {room_id!r}")
    if (
        room.is_message_disabled
        and user_id != room.owner_account
        and user_id not in await tx.room_admins(sdkappid, room_id)
    ):
        raise Refused(
            ErrorCode.NO_PERMISSION,
            "message_disabled",
            f"RoomId: messages are disabled in room {room_id!r} (owner and admins only)",
        )
