"""A warning about Redis being unreachable, logged at most every few seconds however many calls meet it."""

from __future__ import annotations

import logging
import time

WARN_EVERY_SECONDS = 10.0


class Warner:
    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._at = -WARN_EVERY_SECONDS

    def __call__(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._at >= WARN_EVERY_SECONDS:
            self._at = now
            self._log.warning("%s: Redis unreachable (%s)", what, type(exc).__name__)
