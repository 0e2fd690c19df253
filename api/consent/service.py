"""A person's consents: given to a recipient for one purpose and some categories, under the policy
version in effect, with evidence; withdrawn from the next request on (P-SHARE-1/2, P-WITHDRAW-1,
P-UPDATE-1). Only the person themself reads or changes their consents."""

from collections.abc import Sequence
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
    **details: int,
) -> Consent:
    """The signed-in person's consent, checked by the caller, with its evidence and its audit
    event (`details` added to it); the caller holds the transaction. The account is locked
    first: nothing is granted after a cancellation froze it (P-RETAIN-2)."""
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
            **details,
        },
    )
    return consent


async def narrow_consent(actor: Actor, consent_id: int, categories: Sequence[str]) -> Consent:
    """Withdraw some categories of a consent and keep the rest (P-WITHDRAW-1): the old consent
    ends as NARROWED and a new one, for the same recipient and purpose, holds a strict subset
    of its categories under the policy in effect now. Both in one transaction, or neither."""
    old = await own_consent(actor, consent_id)
    kept = scopes.grantable_categories(categories)
    if not set(kept) < set(old.categories):
        raise invalid("categories", "name some, not all, of the consent's own categories to keep")
    # The recipient may have moved out of mainland China since: then nothing may be re-given.
    recipient = await recipient_for(old.recipient_id, old.purpose)
    policy = await current_policy()
    async with in_transaction():
        if await lock_active_account(actor.account_id) is None:
            raise ApiError(ErrorCode.CONFLICT, "a cancelled account cannot consent")
        # Conditional, and under the account lock: an ended consent cannot be narrowed twice.
        ended = await Consent.filter(id=old.id, withdrawn_at=None).update(
            withdrawn_at=utcnow(), ended_reason=ConsentEnd.NARROWED
        )
        if not ended:
            raise ApiError(ErrorCode.CONFLICT, "the consent has ended: grant a new one instead")
        narrower = await record_consent(
            actor, recipient, old.purpose, kept, policy, narrows_consent_id=old.id
        )
        await record_change(
            actor,
            f"account:{old.account_id}",
            "CONSENT_NARROWED",
            {
                "consent_id": old.id,
                "replaced_by": narrower.id,
                "withdrawn_categories": [c for c in old.categories if c not in kept],
            },
        )
    return await own_consent(actor, narrower.id)


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
