"""Master-key rotation: every live data key re-wrapped under the active master key.

Once no data key names a retired master key, that key can be dropped from configuration and
destroyed, and with it every backup taken before the rotation becomes unreadable: the backup's
data keys are wrapped by it alone. That is how an erasure reaches old backups (P-DELETE-2)
without anyone having to find them.

Sealed values are not touched: only the 32-byte data keys are re-wrapped, so a rotation costs one
small UPDATE per person, whatever they hold.
"""

from collections.abc import Callable
from dataclasses import dataclass

from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import keyring
from models.keys import DataKey

BATCH = 500


class UnknownMasterKeys(RuntimeError):
    """Some data keys are wrapped by master keys that are not configured: nothing was changed."""

    def __init__(self, key_ids: list[str]) -> None:
        super().__init__(
            f"data keys are wrapped by master keys that are not configured: {', '.join(key_ids)}"
        )
        self.key_ids = key_ids


@dataclass
class Rotation:
    rewrapped: int = 0
    # Changed since read: destroyed by an erasure (they stay destroyed) or re-wrapped by a
    # concurrent rotation.
    changed_meanwhile: int = 0


def not_rewrapped() -> QuerySet[DataKey]:
    """Live data keys still wrapped by a master key other than the active one."""
    return DataKey.filter(wrapped__isnull=False).exclude(master_key_id=keyring.active().key_id)


async def master_key_ids_in_use() -> dict[str, int]:
    """How many live data keys each master key wraps."""
    rows = (
        await DataKey.filter(wrapped__isnull=False)
        .annotate(keys=Count("id"))
        .group_by("master_key_id")
        .values_list("master_key_id", "keys")
    )
    return {str(key_id): int(keys) for key_id, keys in rows}


# (id, master key id, wrapped data key) of one data key, as read before re-wrapping it.
WrappedKey = tuple[int, str, bytes]


async def read_batch(after_id: int, size: int = BATCH) -> list[WrappedKey]:
    """The next live data keys not wrapped by the active master key, by id."""
    return await (
        not_rewrapped()
        .filter(id__gt=after_id)
        .order_by("id")
        .limit(size)
        .values_list("id", "master_key_id", "wrapped")
    )


async def rewrap_batch(keys: list[WrappedKey], rotation: Rotation) -> None:
    """Re-wrap keys read by `read_batch` in one transaction, counting them into `rotation`."""
    ring = keyring.active()
    async with in_transaction():
        for key_id, master_key_id, wrapped in keys:
            rewrapped = ring.wrap(ring.unwrap(wrapped, master_key_id))
            # Conditional: an erasure that destroyed the key since it was read must win, or the
            # rotation would bring an erased person's key back.
            updated = await DataKey.filter(
                id=key_id, master_key_id=master_key_id, wrapped__isnull=False
            ).update(wrapped=rewrapped, master_key_id=ring.key_id)
            if updated:
                rotation.rewrapped += 1
            else:
                rotation.changed_meanwhile += 1


async def rewrap_data_keys(advance: Callable[[int], None] = lambda _: None) -> Rotation:
    """Re-wrap every live data key under the active master key, a batch per transaction;
    `advance` is told how many each batch handled. Refuses, changing nothing, when a key is
    wrapped by a master key the keyring does not hold."""
    ring = keyring.active()
    in_use = await not_rewrapped().distinct().values_list("master_key_id", flat=True)
    if unknown := sorted(str(key_id) for key_id in in_use if not ring.holds(str(key_id))):
        raise UnknownMasterKeys(unknown)
    rotation = Rotation()
    last_id = 0
    while keys := await read_batch(last_id):
        await rewrap_batch(keys, rotation)
        last_id = keys[-1][0]
        advance(len(keys))
    return rotation
