"""Transfer to a successor on merger, acquisition or bankruptcy (P-TRANSFER-1, P-REGION-1).

An admin records the transfer with the successor's written commitment to be bound by the
privacy policy (the policy's 三(二)2: who signed, when, the text and its digest, a reference)
and the data categories that move. People whose live consent names the successor and the
purpose "transfer" move at once; everyone else is asked (api.transfers.answers) and nothing of
theirs moves until they accept. Everyone affected is told. What "moved" means is the consent
engine's rule (plugins.builtin.consent.live_consents): the successor's API clients see a person
only once their row is MOVED, and only under a live consent.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import TRANSFERRED, change_event
from api.consent import scopes
from api.errors import invalid, not_found
from api.notices.notifications import NotificationSender, notify
from api.validation import document_text, text
from models.accounts import Account, AccountStatus, Role
from models.audit_chain import append_entries
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate, text_digest
from models.privacy import (
    TRANSFER_PURPOSE,
    Channel,
    NotificationTopic,
    Transfer,
    TransferOutcome,
    TransferReason,
    TransferSubject,
)
from plugins.builtin.consent import covering_consents
from plugins.viewer import ClientScope

MAX_COMMITMENT = 100_000


@dataclass(frozen=True)
class Commitment:
    """The successor's written commitment to be bound by the privacy policy."""

    signed_by: str
    signed_at: datetime
    text: str
    digest: str | None
    reference: str


@dataclass(frozen=True)
class TransferRecord:
    successor_id: int
    reason: TransferReason
    reference: str
    categories: list[str]
    commitment: Commitment
    channel: Channel


def transfers_for_admin(actor: Actor) -> QuerySet[Transfer]:
    actor.admin_id()
    return Transfer.all().select_related("successor")


def checked_commitment(commitment: Commitment) -> Commitment:
    full_text = document_text(commitment.text, "commitment.text", max_length=MAX_COMMITMENT)
    digest = text_digest(full_text)
    if commitment.digest is not None and commitment.digest != digest:
        raise invalid("commitment.digest", "the digest is not the SHA-256 of the text")
    if commitment.signed_at > utcnow():
        raise invalid("commitment.signedAt", "a commitment is signed before it is recorded")
    return Commitment(
        signed_by=text(commitment.signed_by, "commitment.signedBy", max_length=128),
        signed_at=commitment.signed_at,
        text=full_text,
        digest=digest,
        reference=text(commitment.reference, "commitment.reference", max_length=128),
    )


async def successor_for(successor_id: int) -> Affiliate:
    successor = await Affiliate.filter(id=successor_id).first()
    if successor is None:
        raise not_found("affiliate")
    if successor.region != MAINLAND_CHINA:
        raise invalid("successorId", "data never leaves mainland China (P-REGION-1)")
    if TRANSFER_PURPOSE not in successor.purposes:
        raise invalid("successorId", f'the successor has no purpose "{TRANSFER_PURPOSE}"')
    return successor


def moved_event(
    actor: Actor, transfer: Transfer, account_id: int, consent_id: int, categories: list[str]
) -> dict[str, Any]:
    """What the person's access history lists: their data handed to the successor, which
    categories, under which consent."""
    details = {
        "transfer_id": transfer.id,
        "successor_id": transfer.successor_id,
        "consent_id": consent_id,
    }
    return {
        **change_event(actor, f"account:{account_id}", TRANSFERRED, details),
        "categories_clear": categories,
        "basis": f"consent:{consent_id}",
    }


def moved_categories(transfer: Transfer, consented: list[str]) -> list[str]:
    return sorted(set(consented) & set(transfer.categories or ()))


async def record_transfer(
    actor: Actor, record: TransferRecord, sender: NotificationSender
) -> Transfer:
    """Admins only: the transfer, its subjects, their notifications and audit events, in one
    transaction."""
    admin_id = actor.admin_id()
    successor = await successor_for(record.successor_id)
    reference = text(record.reference, "reference", max_length=128)
    categories = scopes.grantable_categories(record.categories)
    commitment = checked_commitment(record.commitment)
    # What a client of the successor bound to "transfer" would be allowed, before any move.
    scope = ClientScope(
        client_id=0,
        affiliate_id=successor.id,
        affiliate_kind=str(successor.kind),
        purpose=TRANSFER_PURPOSE,
        region=successor.region,
        categories=frozenset(),
    )
    rows = (
        await covering_consents(scope).order_by("id").values_list("account_id", "id", "categories")
    )
    covering = {account_id: (consent_id, consented) for account_id, consent_id, consented in rows}
    people = sorted(
        await Account.filter(status=AccountStatus.ACTIVE, role=Role.USER).values_list(
            "id", flat=True
        )
    )
    moved = [account_id for account_id in people if account_id in covering]
    asked = [account_id for account_id in people if account_id not in covering]
    async with in_transaction():
        transfer = await Transfer.create(
            successor=successor,
            reason=record.reason,
            reference=reference,
            recorded_by_id=admin_id,
            recorded_at=utcnow(),
            categories=categories,
            commitment_signed_by=commitment.signed_by,
            commitment_signed_at=commitment.signed_at,
            commitment_text=commitment.text,
            commitment_digest=commitment.digest,
            commitment_reference=commitment.reference,
        )
        await TransferSubject.bulk_create(
            [
                TransferSubject(
                    transfer=transfer,
                    account_id=account_id,
                    outcome=TransferOutcome.MOVED,
                    consent_id=covering[account_id][0],
                )
                for account_id in moved
            ]
            + [
                TransferSubject(
                    transfer=transfer, account_id=account_id, outcome=TransferOutcome.NEEDS_CONSENT
                )
                for account_id in asked
            ]
        )
        recorded = change_event(
            actor,
            f"affiliate:{successor.id}",
            "TRANSFER_RECORDED",
            {"transfer_id": transfer.id, "moved": len(moved), "asked": len(asked)},
        )
        await append_entries(
            [
                recorded,
                *(
                    moved_event(
                        actor,
                        transfer,
                        account_id,
                        covering[account_id][0],
                        moved_categories(transfer, covering[account_id][1]),
                    )
                    for account_id in moved
                ),
            ]
        )
        await tell(sender, transfer, successor, moved, asked, record.channel)
    return transfer


async def tell(
    sender: NotificationSender,
    transfer: Transfer,
    successor: Affiliate,
    moved: list[int],
    asked: list[int],
    channel: Channel,
) -> None:
    """Every person affected: those moved under their consent, and those asked for it."""
    signed = transfer.commitment_signed_at.date().isoformat()  # type: ignore[union-attr]
    deal = f"{transfer.reason} ({transfer.reference})"
    categories = ", ".join(transfer.categories or ())
    committed = f"On {signed} it committed in writing to be bound by the privacy policy."
    rounds = (
        (
            moved,
            NotificationTopic.TRANSFER,
            f"Your data moved to {successor.name}",
            f"{deal}: your data ({categories}) moved to {successor.name} under the consent you "
            f"gave it. {committed} You may withdraw that consent at any time.",
        ),
        (
            asked,
            NotificationTopic.TRANSFER_CONSENT,
            f"{successor.name} asks for your consent",
            f"{deal}: {successor.name} takes over this service. {committed} Your data "
            f"({categories}) moves to it only if you accept; nothing moves if you refuse or do "
            "not answer. Answer in the app (respondToTransfer).",
        ),
    )
    for people, topic, title, body in rounds:
        await notify(
            sender,
            people,
            topic=topic,
            channel=channel,
            title=title[:128],
            body=body,
            transfer=transfer,
        )
