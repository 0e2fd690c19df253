"""Erasure (P-DELETE-1, P-CANCEL-1, P-DELETE-2).

The person's data key is destroyed, so every value sealed under it (phone, email, device IDs,
request texts, export documents) is unreadable everywhere, in backups too. Plain columns are
overwritten, look-up hashes removed, orders kept for accounting lose their link, and live consents
end. What the law makes us keep (network logs, art. 21 Cybersecurity Law) stays, frozen, until
retention anonymizes it. A tombstone that holds no personal data records the erasure, so that
`consentql erasures replay` erases again whatever a restored backup brings back.
"""

from tortoise.transactions import in_transaction

from api.audit.events import system_event
from models.accounts import Account, AccountStatus, DeviceLog, LoginRecord, Session
from models.audit_chain import append_entries
from models.clock import utcnow
from models.consent import Consent, ConsentEnd
from models.keys import DataKey
from models.orders import Order
from models.privacy import ErasureTombstone, PrivacyRequest
from models.reservations import Reservation

# What overwritten text columns hold: nothing, not a hash or a pseudonym.
ERASED = ""


def needs_erasure(account: Account, key: DataKey) -> bool:
    """True while anything an erasure removes is (again) present."""
    return (
        key.wrapped is not None
        or account.status != AccountStatus.ERASED
        or account.phone_hash is not None
        or account.email_hash is not None
        or account.name != ERASED
    )


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
        await Account.filter(id=account_id).update(
            phone_sealed=None,
            phone_hash=None,
            email_sealed=None,
            email_hash=None,
            password_hash=None,
            name=ERASED,
            company=ERASED,
            province=None,
            city=None,
            status=AccountStatus.ERASED,
            erased_at=now,
        )
        await Reservation.filter(account_id=account_id).update(
            phone_sealed=None,
            email_sealed=None,
            name=ERASED,
            company=None,
            province=ERASED,
            city=ERASED,
        )
        await Order.filter(account_id=account_id).update(account_id=None)
        await Session.filter(account_id=account_id, ended_at=None).update(ended_at=now)
        await LoginRecord.filter(account_id=account_id).update(
            device_phone_sealed=None, login_hash=ERASED
        )
        await DeviceLog.filter(account_id=account_id).update(device_id_sealed=None)
        await PrivacyRequest.filter(account_id=account_id).update(
            details_sealed=None, document_sealed=None
        )
        await Consent.filter(account_id=account_id, withdrawn_at=None).update(
            withdrawn_at=now, ended_reason=ConsentEnd.WITHDRAWN
        )
        await Consent.filter(account_id=account_id).update(
            evidence_ip=None, evidence_user_agent=None
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


async def replay_erasures() -> tuple[int, int]:
    """(tombstones read, accounts erased again) after a backup restore (P-DELETE-2)."""
    erased_again = 0
    tombstones = await ErasureTombstone.all().order_by("id").values_list("account_id", "ground")
    for account_id, ground in tombstones:
        if await Account.filter(id=account_id).exists() and await erase(account_id, ground):
            erased_again += 1
    return len(tombstones), erased_again
