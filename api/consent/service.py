"""A person's consents: given to a recipient for one purpose and some categories, under the policy
version in effect, with evidence; withdrawn from the next request on (P-SHARE-1/2, P-WITHDRAW-1,
P-UPDATE-1). Only the person themself reads or changes their consents."""

from dataclasses import dataclass

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.affiliates.service import find_affiliate
from api.audit.events import record_change
from api.consent import scopes
from api.errors import ApiError, ErrorCode, invalid, not_found
from api.policy.service import current_policy
from models.accounts import lock_active_account
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate, Consent, ConsentEnd, PolicyVersion

CHANNEL = "api"


@dataclass(frozen=True)
class ConsentRequest:
    """What a person consents to; no recipient means this service itself."""

    recipient_id: int | None
    purpose: str
    categories: list[str]


async def recipient_for(recipient_id: int | None, purpose: str) -> Affiliate | None:
    if recipient_id is None:
        return None
    recipient = await find_affiliate(recipient_id, "recipientId")
    if purpose not in recipient.purposes:
        raise invalid("purpose", "the recipient does not process data for this purpose")
    if recipient.region != MAINLAND_CHINA:
        # It could never take effect (P-REGION-1): better said now than silently ignored.
        raise invalid("recipientId", "the recipient is outside mainland China: data stays here")
    return recipient


def my_consents(actor: Actor) -> QuerySet[Consent]:
    """The person's consents, ended ones too, newest first."""
    return (
        Consent.filter(account_id=actor.account_id)
        .select_related("recipient", "policy_version")
        .order_by("-id")
    )


async def own_consent(actor: Actor, consent_id: int) -> Consent:
    """The viewer's consent; anyone else's is not found, as if it did not exist."""
    consent = (
        await Consent.filter(id=consent_id, account_id=actor.account_id)
        .select_related("recipient", "policy_version")
        .first()
    )
    if consent is None:
        raise not_found("consent")
    return consent


async def grant_consent(actor: Actor, request: ConsentRequest) -> Consent:
    purpose = scopes.purpose(request.purpose)
    categories = scopes.grantable_categories(request.categories)
    recipient = await recipient_for(request.recipient_id, purpose)
    policy = await current_policy()
    async with in_transaction():
        return await record_consent(actor, recipient, purpose, categories, policy)


async def record_consent(
    actor: Actor,
    recipient: Affiliate | None,
    purpose: str,
    categories: list[str],
    policy: PolicyVersion,
) -> Consent:
    """The signed-in person's consent, checked by the caller, with its evidence and audit event;
    the caller holds the transaction."""
    account_id = actor.account_id
    if await lock_active_account(account_id) is None:
        raise ApiError(ErrorCode.CONFLICT, "a cancelled account cannot consent")
    consent = await Consent.create(
        account_id=account_id,
        recipient=recipient,
        purpose=purpose,
        categories=categories,
        policy_version=policy,
        granted_at=utcnow(),
        evidence_channel=CHANNEL,
        evidence_ip=actor.address,
        evidence_user_agent=actor.user_agent,
    )
    await record_change(
        actor,
        f"account:{account_id}",
        "CONSENT_GRANTED",
        {
            "consent_id": consent.id,
            "recipient_id": recipient.id if recipient else None,
            "purpose": purpose,
            "categories": categories,
            "policy_version": policy.version,
        },
    )
    return consent


async def withdraw_consent(actor: Actor, consent_id: int) -> Consent:
    """Withdrawing again changes nothing; the consent as it now stands."""
    consent = await own_consent(actor, consent_id)
    if consent.withdrawn_at is not None:
        return consent
    async with in_transaction():
        # Conditional, so of two concurrent withdrawals one writes and records.
        ended = await Consent.filter(id=consent.id, withdrawn_at=None).update(
            withdrawn_at=utcnow(), ended_reason=ConsentEnd.WITHDRAWN
        )
        if ended:
            await record_change(
                actor,
                f"account:{consent.account_id}",
                "CONSENT_WITHDRAWN",
                {"consent_id": consent.id},
            )
    return await own_consent(actor, consent_id)
