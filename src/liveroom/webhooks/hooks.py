"""Before-callbacks: the app backend allows or refuses an action, synchronously, within 2 s (decisions.md 8).

``Live.CallbackBeforeSendGift`` before a gift, ``Group.CallbackBeforeSendMsg`` before a room message. A reply
that is the envelope with ``ErrorCode`` 0 allows; any other ``ErrorCode`` refuses (102004 for a gift, 10016 for a
message: Tencent IM's code for a message its app backend refused through a callback). No reply within 2 s, a
status other than 2xx or a reply that is not the envelope refuses too, unless the app's ``callback_fail_open`` is
set. An app without a callback for the command is never asked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import msgspec

from liveroom.domain.callbacks import BEFORE_SEND_GIFT, BEFORE_SEND_MSG
from liveroom.domain.hooks import GiftToSend, MessageToSend
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord
from liveroom.webhooks import payloads, signing
from liveroom.webhooks.http import Poster

log = logging.getLogger("liveroom.webhooks")

BEFORE_TIMEOUT = 2.0


class _Answer(msgspec.Struct):
    ErrorCode: int
    ErrorInfo: str = ""


_answer = msgspec.json.Decoder(_Answer)


class CallbackHooks:
    """``domain.hooks.BeforeHooks`` as Tencent's before-callbacks."""

    def __init__(self, poster: Poster, clock: Callable[[], float] = time.time) -> None:
        self._poster = poster
        self._clock = clock

    async def allow_gift(self, app: AppRecord, gift: GiftToSend) -> None:
        await self._ask(app, BEFORE_SEND_GIFT, payloads.before_gift(gift), ErrorCode.GIFT_REFUSED, "", "RESTAPI")

    async def allow_message(self, app: AppRecord, message: MessageToSend) -> None:
        await self._ask(
            app,
            BEFORE_SEND_MSG,
            payloads.before_message(message),
            ErrorCode.MESSAGE_REFUSED_BY_CALLBACK,
            message.client_ip,
            message.platform,
        )

    async def _ask(
        self, app: AppRecord, command: str, fields: payloads.Body, refused: ErrorCode, client_ip: str, platform: str
    ) -> None:
        config = app.callbacks
        if config is None or not config.wants(command):
            return
        now = self._clock()
        url = signing.delivery_url(config, app.sdkappid, command, client_ip, platform, int(now))
        reply = await self._poster.post(url, payloads.body(command, int(now * 1000), fields), BEFORE_TIMEOUT)
        answer = None
        if reply.ok:
            try:
                answer = _answer.decode(reply.body)
            except msgspec.DecodeError:
                answer = None
        if answer is not None:
            if answer.ErrorCode == 0:
                return
            raise LiveError(refused, f"refused by the app backend ({command}: ErrorCode {answer.ErrorCode})")
        problem = reply.describe() if not reply.ok else "a reply that is not the callback envelope"
        if app.callback_fail_open:
            log.warning("webhooks: %s of app %d got %s; allowed (fail-open)", command, app.sdkappid, problem)
            return
        raise LiveError(refused, f"the app backend did not allow it ({command}: {problem})")
