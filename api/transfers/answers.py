"""A person's side of a transfer (P-TRANSFER-1): the transfers they are part of, and their answer
to a successor that asks for their consent.

Accepting gives the successor a consent for the purpose "transfer" over the transfer's
categories, with the person's evidence, and marks them MOVED: from the next request the
successor's API clients may see them (plugins.builtin.consent). Refusing marks them REFUSED and
nothing moves. Someone moved can withdraw that consent like any other (P-WITHDRAW-1); someone who
refused may still accept later.
"""

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.consent.service import recipient_for, record_consent
from api.errors import ApiError, ErrorCode, not_found
from api.policy.service import current_policy
from api.transfers.service import moved_categories, moved_event
from models.audit_chain import append_entries
from models.clock import utcnow
from models.privacy import TRANSFER_PURPOSE, TransferOutcome, TransferSubject

ANSWERABLE = (TransferOutcome.NEEDS_CONSENT, TransferOutcome.REFUSED)


def my_transfers(actor: Actor) -> QuerySet[TransferSubject]:
    """The signed-in person's place in each transfer, newest first."""
    return (
        TransferSubject.filter(account_id=actor.account_id)
        .select_related("transfer__successor")
        .order_by("-id")
    )


async def my_transfer(actor: Actor, transfer_id: int) -> TransferSubject:
    """Anyone else's, or a transfer the person is not part of, is not found."""
    row = await my_transfers(actor).filter(transfer_id=transfer_id).first()
    if row is None:
        raise not_found("transfer")
    return row


async def respond_to_transfer(actor: Actor, transfer_id: int, accept: bool) -> TransferSubject:
    """The same answer again changes nothing. A refusal after moving is refused: withdrawing the
    consent (withdrawConsent) is how a person stops the successor."""
    row = await my_transfer(actor, transfer_id)
    wanted = TransferOutcome.MOVED if accept else TransferOutcome.REFUSED
    if row.outcome == wanted:
        return row
    if row.outcome not in ANSWERABLE:
        raise ApiError(
            ErrorCode.CONFLICT, "already moved under your consent: withdraw the consent instead"
        )
    if accept:
        await accept_transfer(actor, row)
    else:
        await refuse_transfer(actor, row)
    return await my_transfer(actor, transfer_id)


async def accept_transfer(actor: Actor, row: TransferSubject) -> None:
    transfer = row.transfer
    if not transfer.categories or transfer.commitment_digest is None:
        raise ApiError(
            ErrorCode.CONFLICT,
            "this transfer was recorded without the successor's commitment: it cannot be accepted",
        )
    # Checked again now: the successor may have dropped the purpose or moved abroad since.
    successor = await recipient_for(transfer.successor_id, TRANSFER_PURPOSE)
    policy = await current_policy()
    async with in_transaction():
        consent = await record_consent(
            actor, successor, TRANSFER_PURPOSE, list(transfer.categories), policy
        )
        # Conditional: of two answers racing, one is recorded.
        answered = await TransferSubject.filter(id=row.id, outcome__in=ANSWERABLE).update(
            outcome=TransferOutcome.MOVED, consent_id=consent.id, responded_at=utcnow()
        )
        if not answered:
            raise ApiError(ErrorCode.CONFLICT, "this transfer was answered meanwhile")
        await append_entries(
            [
                moved_event(
                    actor,
                    transfer,
                    row.account_id,
                    consent.id,
                    moved_categories(transfer, consent.categories),
                )
            ]
        )


async def refuse_transfer(actor: Actor, row: TransferSubject) -> None:
    async with in_transaction():
        answered = await TransferSubject.filter(
            id=row.id, outcome=TransferOutcome.NEEDS_CONSENT
        ).update(outcome=TransferOutcome.REFUSED, responded_at=utcnow())
        if not answered:
            raise ApiError(ErrorCode.CONFLICT, "this transfer was answered meanwhile")
        await record_change(
            actor,
            f"account:{row.account_id}",
            "TRANSFER_REFUSED",
            {"transfer_id": row.transfer_id, "successor_id": row.transfer.successor_id},
        )
