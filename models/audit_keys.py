"""The keys that MAC the audit ledger's links and checkpoints (P-SEC-5).

They live outside the database (configuration, or derived from the master key), so someone who
can write to the database can delete or change audit entries but cannot make a chain that
verifies again. Each MAC names the id of the key that made it, so the key can be rotated: links
made under a retired key verify as long as that key stays configured as a previous one.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

KEY_BYTES = 32


def audit_key_id(key: bytes) -> str:
    """A name for the key that says nothing about it (a MAC of a fixed text under it)."""
    return hmac.new(key, b"consentql audit key id", hashlib.sha256).hexdigest()[:16]


def _checked(key: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError(f"an audit key must be {KEY_BYTES} bytes")
    return key


@dataclass(frozen=True)
class AuditKeys:
    """The key new MACs are made with, and every key a stored MAC may name (by id)."""

    key_id: str
    key: bytes
    known: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, active: bytes, previous: Iterable[bytes] = ()) -> "AuditKeys":
        keys = {audit_key_id(_checked(key)): key for key in (*previous, active)}
        return cls(key_id=audit_key_id(active), key=active, known=MappingProxyType(keys))

    def mac(self, message: bytes) -> str:
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def holds(self, key_id: str) -> bool:
        return key_id in self.known

    def verifies(self, key_id: str, message: bytes, mac: str) -> bool:
        """Whether `mac` is the MAC of `message` under the key `key_id` (False for a key that is
        not configured: ask `holds` to tell the two apart)."""
        key = self.known.get(key_id)
        if key is None:
            return False
        expected = hmac.new(key, message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, mac)
