"""Errors a client can act on. Anything else is masked before it leaves (see api.graphql.schema)."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    BAD_REQUEST = "BAD_REQUEST"


class ApiError(Exception):
    """Raised by use cases; graphql-core copies `extensions` onto the GraphQL error."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.extensions: dict[str, Any] = {"code": code.value, **details}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_FAILED, message, field=field)


def not_found(what: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"{what} not found")


def unauthenticated() -> ApiError:
    return ApiError(ErrorCode.UNAUTHENTICATED, "sign in first")


def forbidden(message: str = "not allowed for this viewer") -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message)
