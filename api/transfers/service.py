"""Transfer to a successor on merger, acquisition or bankruptcy (P-TRANSFER-1, P-REGION-1).

Only people whose live consent names the successor and the purpose "transfer" move; everyone
else is listed for re-consent. Staleness follows the consent engine: a consent given under a
policy version since replaced by one requiring fresh consent does not count.
"""

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.errors import invalid, not_found
from api.validation import text
from models.accounts import Account, AccountStatus, Role
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate
from models.privacy import Transfer, TransferOutcome, TransferReason, TransferSubject
from plugins.builtin.consent import live_consents
from plugins.viewer import ClientScope

TRANSFER_PURPOSE = "transfer"


def transfers_for_admin(actor: Actor) -> QuerySet[Transfer]:
    actor.admin_id()
    return Transfer.all().select_related("successor")


async def record_transfer(
    actor: Actor, successor_id: int, reason: TransferReason, reference: str
) -> Transfer:
    """Admins hand data to a successor (merger, acquisition...)."""
    admin_id = actor.admin_id()
    successor = await Affiliate.filter(id=successor_id).first()
    if successor is None:
        raise not_found("affiliate")
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
