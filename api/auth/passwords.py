"""argon2id password hashing (P-SEC-2: never MD5), off the event loop: a hash takes ~190 ms."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.settings import Settings


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        # Verified against when the login is unknown, so that case costs what a wrong password
        # costs and timing does not tell which logins exist.
        self._decoy = self._hasher.hash("consentql decoy password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            matched = await asyncio.to_thread(
                self._hasher.verify, stored_hash or self._decoy, password
            )
        except (VerificationError, InvalidHashError):
            return False
        return matched and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
