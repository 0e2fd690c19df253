"""Errors a client can act on. Anything else is masked before it leaves (see
api.graphql.extensions.unexpected_errors).

Outside GraphQL execution (identifying the caller) an error cannot be masked into a result, so
the app answers it itself (api.http.app): 503 when the database cannot be reached, which a retry may
cure, and 500 for anything else. Inside it, a masked error gets the same code and message.
"""

import sqlite3
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from starlette.responses import JSONResponse


class ErrorCode(StrEnum):
    """Every `extensions.code` the API emits; `api.error_catalogue` says what each means and
    `docs/errors.md` is generated from it (`consentql docs errors`)."""

    # Refusals of a use case (ApiError).
    VALIDATION_FAILED = "VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    # A bearer token that opens nothing: HTTP 401 before execution (api.auth.identify).
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # A blocked personal field: the consent engine's plugins.decision.BlockCode, whose values are
    # all here (a test checks); plugins cannot import api, so the engine keeps its own enum.
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    BAD_REQUEST = "BAD_REQUEST"
    # The HTTP request itself refused, before GraphQL reads it (api.http.csrf, api.http.middleware).
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    BATCHING_DISABLED = "BATCHING_DISABLED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # Apollo's name, as for the codes GraphQL's own refusals get
    # (api.graphql.extensions.error_codes).
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # GraphQL's own refusals, labelled the way Apollo names them.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    # Query limits (P-SEC-4, api.graphql.extensions.limits) and the introspection gate.
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    TOO_MANY_ROOT_FIELDS = "TOO_MANY_ROOT_FIELDS"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    # Persisted queries and trusted documents (api.http.persisted_queries).
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"


# All a client learns of an error of ours: its own text may be the database's or name a file.
UNEXPECTED_MESSAGE = "Unexpected error."
UNAVAILABLE_MESSAGE = "service temporarily unavailable, try again"


class ApiError(Exception):
    """Raised by use cases; graphql-core copies `extensions` onto the GraphQL error."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.extensions: dict[str, Any] = {"code": code.value, **details}


def error_response(
    status: int, code: ErrorCode, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The answer to a request refused or failed outside GraphQL execution, in GraphQL's shape."""
    # No `data` entry: execution never began (GraphQL spec, "Response").
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers
    )


def invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_FAILED, message, field=field)


def not_found(what: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"{what} not found")


def unauthenticated() -> ApiError:
    return ApiError(ErrorCode.UNAUTHENTICATED, "sign in first")


def forbidden(message: str = "not allowed for this viewer") -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message)


# SQLSTATE classes of a PostgreSQL server that cannot serve now: 08 connection exception, 53
# insufficient resources (too many connections, disk full), 57 operator intervention (shutting
# down, starting up). Read from the error's `sqlstate`, as asyncpg and psycopg both name it, so
# asyncpg is not imported for this (Tortoise passes these through untranslated).
_POSTGRES_UNAVAILABLE = frozenset({"08", "53", "57"})
# Tortoise wraps every sqlite3.OperationalError alike; SQLite's result code tells a file that is
# locked past the busy timeout, unreadable, unopenable or on a full disk from a wrong query
# ("no such table" and syntax errors are SQLITE_ERROR).
_SQLITE_UNAVAILABLE = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL}
)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error`, or one it was raised from or while handling, says the database cannot be
    reached now, as opposed to a query or code of ours that is wrong."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # A refused or dropped socket, a timeout, Tortoise's DBConnectionError (a ConnectionError).
        if isinstance(current, OSError):
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _POSTGRES_UNAVAILABLE:
            return True
        # The extended code's low byte is the primary one; hand-made errors carry no code.
        code = getattr(current, "sqlite_errorcode", None)
        if isinstance(current, sqlite3.OperationalError) and code is not None:
            return code & 0xFF in _SQLITE_UNAVAILABLE
        current = current.__cause__ or current.__context__
    return False
