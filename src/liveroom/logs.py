"""Logging for server processes: liveroom's own loggers to stderr, one line per event."""

from __future__ import annotations

import logging
import sys


def configure(level: str = "info") -> None:
    """Attach one stderr handler to the ``liveroom`` logger tree (idempotent)."""
    logger = logging.getLogger("liveroom")
    logger.setLevel(level.upper())
    if not any(getattr(h, "_liveroom", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._liveroom = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
