"""Before-hooks: the app's own backend approves an action before it happens (a gift, a room message).

The domain asks ``Services.hooks`` right before the write that would carry the action out; a hook that refuses
raises ``LiveError`` with the code the caller then sees. The webhook sender implements them as Tencent's
before-callbacks (``Live.CallbackBeforeSendGift``, ``Group.CallbackBeforeSendMsg``); without a configured
callback every action is allowed.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from liveroom.store.interface import AppRecord


class GiftToSend(msgspec.Struct, frozen=True, kw_only=True):
    """A gift about to be sent: ``coins`` is the unit price, ``time`` Unix seconds."""

    room_id: str
    operator: str
    sender: str
    receivers: tuple[str, ...]
    gift_id: str
    count: int
    coins: int
    time: int


class MessageToSend(msgspec.Struct, frozen=True, kw_only=True):
    """A room message about to be sent: ``kind`` is ``text`` or ``custom``; for a custom message ``text`` is its
    ``Data`` and ``extension`` its ``BusinessId``. ``random`` identifies it (the after-callback carries the same),
    ``client_ip`` and ``platform`` say where it came from."""

    room_id: str
    operator: str
    sender: str
    kind: str
    text: str
    extension: str
    time: int
    random: int = 0
    client_ip: str = ""
    platform: str = ""


class BeforeHooks(Protocol):
    async def allow_gift(self, app: AppRecord, gift: GiftToSend) -> None:
        """Return to allow; raise ``LiveError`` to refuse."""
        ...

    async def allow_message(self, app: AppRecord, message: MessageToSend) -> None:
        """Return to allow; raise ``LiveError`` to refuse."""
        ...


class AllowAll:
    """No backend to ask: everything is allowed."""

    async def allow_gift(self, app: AppRecord, gift: GiftToSend) -> None:
        return None

    async def allow_message(self, app: AppRecord, message: MessageToSend) -> None:
        return None
