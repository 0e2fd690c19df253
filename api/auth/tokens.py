"""Bearer secrets: shown once, stored only as a SHA-256 digest (they are random, so no salt)."""

import hashlib
import secrets

from api.errors import ErrorCode

SESSION_PREFIX = "cqs_"
CLIENT_PREFIX = "cqc_"
INVITATION_PREFIX = "cqi_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(Exception):
    """A bearer token that names no live session or client: answered 401 with its own code,
    never taken for an anonymous caller, so a client can tell a broken token from a missing one."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
