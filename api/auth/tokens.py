"""Bearer secrets: shown once, stored only as a SHA-256 digest (they are random, so no salt)."""

import hashlib
import secrets

SESSION_PREFIX = "cqs_"
CLIENT_PREFIX = "cqc_"
INVITATION_PREFIX = "cqi_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
