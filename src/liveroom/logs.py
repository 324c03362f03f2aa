"""Logging for server processes: liveroom's own loggers to stderr, one line per event, as text or as JSON.

In JSON each line is one object: ``time``, ``level``, ``logger``, ``message``, the structured fields a record
carries (the access log's ``RequestId``, ``command``, ``ErrorCode``, ``latency_ms``, ``client``, ``method``,
``path``) and ``exception`` when there is one. Paths are logged without their query string, so a UserSig never
reaches a log line: liveroom's access log writes none, and uvicorn's lines go through ``UvicornLines``.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import time
from typing import Any

FORMATS = ("text", "json")
# The structured fields a record may carry (``extra=``); the JSON formatter copies those present.
FIELDS = ("RequestId", "command", "ErrorCode", "latency_ms", "client", "method", "path")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = record.__dict__
        for name in FIELDS:
            if name in fields:
                data[name] = fields[name]
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str = "info", log_format: str = "text") -> None:
    """Attach one stderr handler to the ``liveroom`` logger tree (idempotent; a second call sets the format)."""
    logger = logging.getLogger("liveroom")
    logger.setLevel(level.upper())
    handler = next((h for h in logger.handlers if getattr(h, "_liveroom", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._liveroom = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    logger.propagate = False


# uvicorn logs a text frame that is not UTF-8 with its traceback; the connection is closed (1007) as it should be.
_NOT_UTF8 = "Invalid UTF-8 sequence received from client."


class UvicornLines(logging.Filter):
    """uvicorn's own lines as liveroom logs them: paths without their query string (a WebSocket's URL may carry a
    UserSig: uvicorn writes it into its "WebSocket /realtime?..." lines), and a client's invalid frame as one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.partition("?")[0] if isinstance(arg, str) and arg.startswith("/") else arg for arg in record.args
            )
        if record.exc_info and record.msg == _NOT_UTF8:
            record.exc_info = record.exc_text = None
        return True


def uvicorn_config(log_format: str) -> dict[str, Any]:
    """uvicorn's ``log_config``: uvicorn's default (text) or its own lines as JSON too, through ``UvicornLines``."""
    filtered = {"filters": ["liveroom"]}
    if log_format == "json":
        handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        config: dict[str, Any] = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "liveroom.logs.JsonFormatter"}},
            "handlers": {"default": handler},
            # Other libraries' warnings (asyncio's loop exception handler, a driver's) as JSON lines too.
            "root": {"handlers": ["default"], "level": "WARNING"},
            "loggers": {
                "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"level": "INFO"} | filtered,
                "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False} | filtered,
            },
        }
    else:
        from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415 - only the server process needs uvicorn

        config = copy.deepcopy(LOGGING_CONFIG)
        for name in ("uvicorn.error", "uvicorn.access"):
            config["loggers"][name] |= filtered
    config["filters"] = {"liveroom": {"()": "liveroom.logs.UvicornLines"}}
    return config
