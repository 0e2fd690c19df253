"""Structured logs: one JSON object per line, each with the request id, never personal data.

python-json-logger rather than structlog: uvicorn, Tortoise and Strawberry all log through the
standard `logging` module, and a standard formatter renders their records as they are, with no
second logging pipeline to bridge. The request id comes from a context variable set per request
(`LogContext`), so records from any library made during a request carry it.

No phone number, email address or token may reach a log (P-SEC-1). Code avoids logging them; as
a backstop the formatter redacts, by pattern, the finished line, so whatever a library puts in a
message, an extra field or a traceback is covered too.
"""

import logging
import logging.config
import re
import sys
from contextvars import ContextVar
from typing import Any, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http.middleware import observed
from api.settings import LogFormat

REQUEST_ID: ContextVar[str] = ContextVar("consentql_request_id", default="")

ACCESS_LOGGER = "consentql.access"

_REDACTIONS = (
    # Mainland mobile numbers, with or without +86 and separators; not inside longer words
    # (request ids are hex and may hold eleven digits in a row).
    (
        re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])"),
        "[phone]",
    ),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    # Session, API client and partner invitation tokens (api.auth.tokens), and whatever follows
    # "Bearer".
    (re.compile(r"\bcq[sci]_[A-Za-z0-9_-]+"), "[token]"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), r"\1[token]"),
    (re.compile(r"(consentql_session=)[^\s\"';]+"), r"\1[token]"),
    # graphql-core quotes the document around an error ("GraphQL request:2:5" and numbered
    # lines): a traceback chained from a GraphQL error would carry its literals. Lines wrap, so
    # the patterns above cannot be trusted with it: the excerpt goes whole.
    (re.compile(r"(GraphQL request:\d+:\d+)(?:\n *\d* *\|[^\n]*)+"), r"\1 [document]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class RedactingJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingConsoleFormatter(logging.Formatter):
    """`12:03:04 INFO  consentql.access [3f2a…] POST /graphql 200`: for a person at a terminal,
    redacted like the JSON lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# Extras a record may carry that are not for the log: uvicorn repeats its message with terminal
# colour codes in `color_message`, which a JSON line would otherwise carry verbatim.
_NOT_LOGGED = ("color_message",)


def json_handler(stream: TextIO | None = None) -> logging.Handler:
    """A handler writing redacted JSON lines (stderr by default); also named by the uvicorn
    log configuration, so every worker process builds its own."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, *_NOT_LOGGED],
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(RequestIdFilter())
    return handler


def console_handler(stream: TextIO | None = None) -> logging.Handler:
    """The development counterpart of `json_handler`: readable lines, no JSON."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingConsoleFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


HANDLERS = {LogFormat.JSON: "json_handler", LogFormat.CONSOLE: "console_handler"}


def log_config(level: str = "INFO", log_format: LogFormat = LogFormat.JSON) -> dict[str, Any]:
    """The `logging.config.dictConfig` for `consentql serve`, passed to uvicorn as its
    `log_config` (uvicorn applies it in each worker)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"()": f"api.http.logging.{HANDLERS[log_format]}"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # Uvicorn's own handlers go: its records reach the JSON handler through the root.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # `consentql.access` logs each request, with its id; uvicorn's line would repeat it.
            "uvicorn.access": {"handlers": [], "propagate": False},
            # At DEBUG Tortoise logs every statement with its values: sealed data, hashes.
            "tortoise": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", log_format: LogFormat = LogFormat.JSON) -> None:
    logging.config.dictConfig(log_config(level, log_format))


class LogContext:
    """Pure ASGI middleware after `RequestId`: sets the request id for every record made during
    the request, and logs one access line (method, path, status, time) when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = REQUEST_ID.set(scope.get("state", {}).get("request_id", ""))

        def access_line(status: int, seconds: float) -> None:
            # The path only: a query string could carry anything.
            self.logger.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )

        try:
            await observed(self.app, scope, receive, send, access_line)
        finally:
            REQUEST_ID.reset(token)
