"""Envelope encryption for personal data at rest (P-SEC-2).

A master key from configuration wraps one data key per person; values are sealed with the
person's data key. Destroying a person's data key makes every sealed value of theirs unreadable,
wherever a copy of it lies. Look-ups and uniqueness use a keyed hash of the normalized value, so the
database can find a phone number without holding it.

Rotating the master key (`models.key_rotation`) re-wraps every data key under the new one; until
it has, the keyring also holds the wrapping keys of the retired master keys, each data key naming
the one that wraps it. The look-up key must not change with the master key, or every stored hash
would stop matching: it is derived from the master key only until it is pinned in configuration.
The audit key (the MAC key of the audit ledger's links, P-SEC-5) is derived and pinned the same way.
"""

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models.audit_keys import AuditKeys

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringNotConfigured(RuntimeError):
    pass


class UnknownMasterKey(LookupError):
    """A data key is wrapped by a master key this keyring does not hold: a retired key already
    dropped from configuration (a backup from before a rotation), or a wrong master key."""


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(
        master_key
    )


def _checked(master_key: bytes) -> bytes:
    if len(master_key) != KEY_BYTES:
        raise ValueError(f"the master key must be {KEY_BYTES} bytes")
    return master_key


def master_key_id(master_key: bytes) -> str:
    return hashlib.sha256(_checked(master_key)).hexdigest()[:16]


def _wrapping_key(master_key: bytes) -> bytes:
    return _derive(_checked(master_key), b"consentql data-key wrapping")


def derived_lookup_key(master_key: bytes) -> bytes:
    return _derive(_checked(master_key), b"consentql lookup hash")


def derived_audit_key(master_key: bytes) -> bytes:
    return _derive(_checked(master_key), b"consentql audit ledger mac")


@dataclass(frozen=True)
class Keyring:
    """The active master key's wrapping key, the look-up key, the audit keys, and the wrapping
    keys of retired master keys by id (read-only), for data keys not re-wrapped yet."""

    key_id: str
    wrapping_key: bytes
    lookup_key: bytes
    audit: AuditKeys
    retired: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_master_key(
        cls,
        master_key: bytes,
        *,
        retired: Iterable[bytes] = (),
        lookup_key: bytes | None = None,
        audit_key: bytes | None = None,
        previous_audit_keys: Iterable[bytes] = (),
    ) -> "Keyring":
        if lookup_key is not None and len(lookup_key) != KEY_BYTES:
            raise ValueError(f"the look-up key must be {KEY_BYTES} bytes")
        key_id = master_key_id(master_key)
        active_audit_key = derived_audit_key(master_key) if audit_key is None else audit_key
        return cls(
            key_id=key_id,
            wrapping_key=_wrapping_key(master_key),
            lookup_key=derived_lookup_key(master_key) if lookup_key is None else lookup_key,
            audit=AuditKeys.of(active_audit_key, previous_audit_keys),
            retired=MappingProxyType({master_key_id(old): _wrapping_key(old) for old in retired}),
        )

    def holds(self, key_id: str) -> bool:
        return key_id == self.key_id or key_id in self.retired

    def new_wrapped_data_key(self) -> bytes:
        return self.wrap(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    def wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        encrypted = _wrapping_cipher(self.wrapping_key).encrypt(
            nonce, data_key, self.key_id.encode()
        )
        return nonce + encrypted

    def unwrap(self, wrapped: bytes, key_id: str) -> bytes:
        """The data key `wrapped` by the master key `key_id` (the id is bound in when wrapping,
        so a blob presented under another id fails to open)."""
        wrapping_key = self.wrapping_key if key_id == self.key_id else self.retired.get(key_id)
        if wrapping_key is None:
            raise UnknownMasterKey(f"no master key with id {key_id} is configured")
        return _wrapping_cipher(wrapping_key).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode()
        )

    def lookup_hash(self, normalized: str) -> str:
        return hmac.new(self.lookup_key, normalized.encode(), hashlib.sha256).hexdigest()


@cache
def _wrapping_cipher(wrapping_key: bytes) -> AESGCM:
    # A handful per process (the active master key and retired ones), each opening every data
    # key of a page.
    return AESGCM(wrapping_key)


def cipher(data_key: bytes) -> AESGCM:
    """What seals and opens values under a data key: made once per key in hand, not per value
    (a person's row holds several)."""
    return AESGCM(data_key)


def seal(data_cipher: AESGCM, value: str, context: str) -> bytes:
    """Seal a value; `context` (table and column) is bound in, so a blob cannot be moved."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + data_cipher.encrypt(nonce, value.encode(), context.encode())


def unseal(data_cipher: AESGCM, blob: bytes, context: str) -> str:
    return data_cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()


_active: Keyring | None = None


def install(keyring: Keyring) -> None:
    """Called once at start-up by the application; every worker is given the same master key."""
    global _active
    _active = keyring


def active() -> Keyring:
    if _active is None:
        raise KeyringNotConfigured("no master key installed: start through api.database.init_orm")
    return _active
