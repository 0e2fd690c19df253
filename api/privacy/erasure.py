"""Erasure (P-DELETE-1, P-CANCEL-1, P-DELETE-2).

The person's data key is destroyed, so every value sealed under it (phone, email, device IDs,
request texts, export documents) is unreadable everywhere, in backups too. Every other personal
column is treated as its declaration says (`models.personal`): overwritten, cleared, or kept
frozen until retention where the law makes us keep it (network logs, art. 21 Cybersecurity Law);
orders kept for accounting lose their link; sessions and live consents end. A tombstone that holds
no personal data records the erasure, so that `consentql erasures replay` erases again whatever a
restored backup brings back.
"""

from dataclasses import dataclass, field
from functools import partial

from tortoise.transactions import in_transaction

from api.audit.events import system_event
from api.privacy.jobs import attempt
from models.accounts import Account, AccountStatus, Session
from models.audit_chain import append_entries
from models.clock import utcnow
from models.consent import Consent, ConsentEnd
from models.keys import DataKey
from models.personal import declared, erasure_changes
from models.privacy import ErasureTombstone


def needs_erasure(account: Account, key: DataKey) -> bool:
    """True while anything an erasure removes is (again) present."""
    return (
        key.wrapped is not None
        or account.status != AccountStatus.ERASED
        or account.phone_hash is not None
        or account.email_hash is not None
        or account.name != ""
    )


async def erase_personal_columns(account_id: int) -> None:
    """Every declared personal column of every row of the person, as its declaration says."""
    for declaration in declared():
        changes = erasure_changes(declaration)
        if declaration.owner and changes:
            assert declaration.model is not None
            rows = declaration.model.filter(**{declaration.owner: account_id})
            await rows.update(**changes)


async def erase(account_id: int, ground: str) -> bool:
    """Erase one account in one transaction; False when there was nothing left to erase."""
    now = utcnow()
    async with in_transaction():
        account = await Account.filter(id=account_id).select_for_update().get()
        key = await DataKey.get(id=account.data_key_id)
        tombstone = await ErasureTombstone.filter(account_id=account_id).first()
        if not needs_erasure(account, key) and tombstone is not None:
            return False
        await key.destroy()
        await erase_personal_columns(account_id)
        await Account.filter(id=account_id).update(status=AccountStatus.ERASED, erased_at=now)
        await Session.filter(account_id=account_id, ended_at=None).update(ended_at=now)
        await Consent.filter(account_id=account_id, withdrawn_at=None).update(
            withdrawn_at=now, ended_reason=ConsentEnd.WITHDRAWN
        )
        replayed = tombstone is not None
        if tombstone is None:
            await ErasureTombstone.create(
                account_id=account_id, data_key_id=key.id, erased_at=now, ground=ground
            )
        await append_entries(
            [
                system_event(
                    f"account:{account_id}",
                    "ERASURE_REPLAYED" if replayed else "ERASED",
                    f"ground:{tombstone.ground if tombstone else ground}",
                    {},
                )
            ]
        )
    return True


@dataclass
class Replay:
    tombstones: int = 0
    # Accounts a restored backup had brought back: their data was readable until now.
    erased_again: list[int] = field(default_factory=list)
    # Accounts skipped after an error, for a person to look at.
    failed: list[str] = field(default_factory=list)


async def replay_erasures() -> Replay:
    """Erases again what a backup restore brought back (P-DELETE-2)."""
    tombstones = await ErasureTombstone.all().order_by("id").values_list("account_id", "ground")
    replay = Replay(tombstones=len(tombstones))
    for account_id, ground in tombstones:
        if not await Account.filter(id=account_id).exists():
            continue
        if await attempt(
            f"account:{account_id}", replay.failed, partial(erase, account_id, ground)
        ):
            replay.erased_again.append(account_id)
    return replay
