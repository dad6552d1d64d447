"""Structured logging: one JSON object per line, with the request id where known.

No log line carries a query string: a GraphQL GET puts the whole operation and its
variables (a login's password, a token) there. Canopy's request log records the
path only; `redact_server_logs()` strips query strings from uvicorn's access and
websocket lines for servers started without `canopy serve` (which turns uvicorn's
access log off: the request log is the one line per request).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_QUERY = re.compile(r"\?\S*")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class StripQueryStrings(logging.Filter):
    """Drops `?...` from every string argument of a record (uvicorn passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = _QUERY.sub("", record.msg)
        return True


def redact_server_logs() -> None:
    """Idempotent: install the filter on uvicorn's access and error (websocket) loggers."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, StripQueryStrings) for f in logger.filters):
            logger.addFilter(StripQueryStrings())


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("canopy")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    redact_server_logs()
