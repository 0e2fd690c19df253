"""One data key per person, stored wrapped by the master key (see `models.keyring`)."""

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import fields
from tortoise.models import Model

from models import keyring
from models.clock import utcnow
from models.personal import personal_data
from models.records import record_type


class KeyMaterial:
    """What a person's data key does, shared by the model and by a record of it (a list reads
    keys as records, `models.records`): opens and seals under the key the master key unwraps,
    unwrapped once per object."""

    wrapped: bytes | None
    master_key_id: str
    _cipher_cache: AESGCM | None = None

    def _cipher(self) -> AESGCM | None:
        if self.wrapped is None:
            return None
        cached = self._cipher_cache
        if cached is None:
            cached = keyring.cipher(keyring.active().unwrap(self.wrapped, self.master_key_id))
            self._cipher_cache = cached
        return cached

    def seal(self, value: str | None, context: str) -> bytes | None:
        if value is None:
            return None
        cipher = self._cipher()
        if cipher is None:
            raise ValueError("cannot seal under a destroyed data key")
        return keyring.seal(cipher, value, context)

    def open(self, blob: bytes | None, context: str) -> str | None:
        """The sealed value, or None when there is none or the key has been destroyed."""
        cipher = self._cipher()
        if blob is None or cipher is None:
            return None
        return keyring.unseal(cipher, blob, context)


@personal_data(
    operational={
        "id": "the key's number",
        "wrapped": "a person's data key, wrapped by the master key: it opens, it holds nothing",
        "master_key_id": "which master key wraps it",
        "created_at": "when",
        "destroyed_at": "when it was destroyed by an erasure",
    },
    owner="",
)
class DataKey(KeyMaterial, Model):
    id = fields.IntField(primary_key=True)
    # NULL once destroyed: every value sealed under this key is then unreadable for good.
    wrapped = fields.BinaryField(null=True)
    master_key_id = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    destroyed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "data_key"

    @classmethod
    async def issue(cls) -> "DataKey":
        ring = keyring.active()
        return await cls.create(wrapped=ring.new_wrapped_data_key(), master_key_id=ring.key_id)

    async def destroy(self) -> None:
        self.wrapped = None
        self._cipher_cache = None
        self.destroyed_at = utcnow()
        await self.save(update_fields=["wrapped", "destroyed_at"])


# A data key as a list reads it with its person's row: only what opens their sealed values.
DataKeyRecord = record_type(DataKey, ("wrapped", "master_key_id"), base=KeyMaterial)
