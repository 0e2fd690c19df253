"""Transfer to a successor on merger, acquisition or bankruptcy (P-TRANSFER-1, P-REGION-1).

Only people whose live consent names the successor and the purpose "transfer" move; everyone
else is listed for re-consent. Staleness follows the consent engine: a consent given under a
policy version since replaced by one requiring fresh consent does not count.
"""

from tortoise.transactions import in_transaction

from api.errors import invalid
from api.validation import text
from models.accounts import Account, AccountStatus, Role
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate
from models.privacy import Transfer, TransferOutcome, TransferReason, TransferSubject
from plugins.builtin.consent import live_consents
from plugins.viewer import ClientScope

TRANSFER_PURPOSE = "transfer"


async def record_transfer(
    successor: Affiliate, reason: TransferReason, reference: str, admin_id: int
) -> Transfer:
    if successor.region != MAINLAND_CHINA:
        raise invalid("successorId", "data never leaves mainland China (P-REGION-1)")
    reference = text(reference, "reference", max_length=128)
    # What a client of the successor bound to "transfer" would be allowed: the engine's own rule.
    scope = ClientScope(
        client_id=0,
        affiliate_id=successor.id,
        affiliate_kind=str(successor.kind),
        purpose=TRANSFER_PURPOSE,
        region=successor.region,
        categories=frozenset(),
    )
    covering = dict(await live_consents(scope).order_by("id").values_list("account_id", "id"))
    people = await Account.filter(status=AccountStatus.ACTIVE, role=Role.USER).values_list(
        "id", flat=True
    )
    async with in_transaction():
        transfer = await Transfer.create(
            successor=successor,
            reason=reason,
            reference=reference,
            recorded_by_id=admin_id,
            recorded_at=utcnow(),
        )
        await TransferSubject.bulk_create(
            [
                TransferSubject(
                    transfer=transfer,
                    account_id=account_id,
                    outcome=TransferOutcome.MOVED
                    if account_id in covering
                    else TransferOutcome.NEEDS_CONSENT,
                    consent_id=covering.get(account_id),
                )
                for account_id in sorted(people)
            ]
        )
    return transfer
