"""Envelope encryption for personal data at rest (P-SEC-2).

A master key from configuration wraps one data key per person; values are sealed with the
person's data key. Destroying a person's data key makes every sealed value of theirs unreadable,
wherever a copy of it lies. Look-ups and uniqueness use a keyed hash of the normalized value, so the
database can find a phone number without holding it.
"""

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringNotConfigured(RuntimeError):
    pass


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(
        master_key
    )


@dataclass(frozen=True)
class Keyring:
    """The master key's two derived keys: one wraps data keys, one keys the look-up hash."""

    key_id: str
    wrapping_key: bytes
    lookup_key: bytes

    @classmethod
    def from_master_key(cls, master_key: bytes) -> "Keyring":
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes")
        return cls(
            key_id=hashlib.sha256(master_key).hexdigest()[:16],
            wrapping_key=_derive(master_key, b"consentql data-key wrapping"),
            lookup_key=_derive(master_key, b"consentql lookup hash"),
        )

    def new_wrapped_data_key(self) -> bytes:
        return self.wrap(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    def wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.wrapping_key).encrypt(nonce, data_key, self.key_id.encode())

    def unwrap(self, wrapped: bytes) -> bytes:
        return AESGCM(self.wrapping_key).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], self.key_id.encode()
        )

    def lookup_hash(self, normalized: str) -> str:
        return hmac.new(self.lookup_key, normalized.encode(), hashlib.sha256).hexdigest()


def seal(data_key: bytes, value: str, context: str) -> bytes:
    """Seal a value; `context` (table and column) is bound in, so a blob cannot be moved."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, value.encode(), context.encode())


def unseal(data_key: bytes, blob: bytes, context: str) -> str:
    return (
        AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
    )


_active: Keyring | None = None


def install(keyring: Keyring) -> None:
    """Called once at start-up by the application; every worker is given the same master key."""
    global _active
    _active = keyring


def active() -> Keyring:
    if _active is None:
        raise KeyringNotConfigured("no master key installed: start through api.database.init_orm")
    return _active
