"""Legal access without consent (P-EXEMPT-1), four eyes: one admin requests a grant naming one of
the eleven grounds, a reference, the person, the categories and an expiry; a different admin
approves it. Only then does it count, and only for the requester (see plugins.builtin.grants)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.consent import scopes
from api.errors import forbidden, invalid, not_found
from api.validation import text
from models.accounts import Account
from models.clock import utcnow
from models.consent import LegalAccessGrant, LegalGround

# Longer needs a fresh request and a fresh approval.
MAX_DURATION = timedelta(days=90)


@dataclass(frozen=True)
class GrantRequest:
    ground: LegalGround
    reference: str
    subject_id: int
    categories: list[str]
    expires_at: datetime


def expiry(value: datetime) -> datetime:
    now = utcnow()
    if value.tzinfo is None:
        raise invalid("expiresAt", "give the expiry with its time zone (ISO 8601)")
    if value <= now:
        raise invalid("expiresAt", "the expiry must lie in the future")
    if value > now + MAX_DURATION:
        raise invalid("expiresAt", f"a grant lasts at most {MAX_DURATION.days} days")
    return value


async def grant_by_id(grant_id: int) -> LegalAccessGrant:
    grant = await LegalAccessGrant.get_or_none(id=grant_id)
    if grant is None:
        raise not_found("legal-access grant")
    return grant


async def pending_grants(actor: Actor) -> list[LegalAccessGrant]:
    """Grants still awaiting a second admin's approval."""
    actor.admin_id()
    return await LegalAccessGrant.filter(
        approved_by_id=None, revoked_at=None, expires_at__gt=utcnow()
    ).order_by("id")


async def request_grant(actor: Actor, request: GrantRequest) -> LegalAccessGrant:
    requester = actor.admin_id()
    reference = text(request.reference, "reference", max_length=128)
    categories = scopes.grantable_categories(request.categories)
    expires_at = expiry(request.expires_at)
    if not await Account.exists(id=request.subject_id):
        raise not_found("account")
    async with in_transaction():
        grant = await LegalAccessGrant.create(
            ground=request.ground,
            reference=reference,
            requested_by_id=requester,
            subject_id=request.subject_id,
            categories=categories,
            expires_at=expires_at,
        )
        await record_change(
            actor,
            f"account:{request.subject_id}",
            "LEGAL_ACCESS_REQUESTED",
            {"grant_id": grant.id, "ground": str(request.ground), "categories": categories},
        )
    return grant


async def approve_grant(actor: Actor, grant_id: int) -> LegalAccessGrant:
    approver = actor.admin_id()
    grant = await grant_by_id(grant_id)
    if grant.requested_by_id == approver:
        raise forbidden("a grant must be approved by an admin other than its requester")
    if grant.approved_by_id is not None:
        raise invalid("grantId", "the grant is approved already")
    if grant.revoked_at is not None or grant.expires_at <= utcnow():
        raise invalid("grantId", "the grant was revoked or has expired")
    async with in_transaction():
        grant.approved_by_id = approver
        grant.approved_at = utcnow()
        # Conditional, so two approvers racing cannot both be recorded as the approver.
        approved = await LegalAccessGrant.filter(id=grant.id, approved_by_id=None).update(
            approved_by_id=approver, approved_at=grant.approved_at
        )
        if not approved:
            raise invalid("grantId", "the grant is approved already")
        await record_change(
            actor,
            f"account:{grant.subject_id}",
            "LEGAL_ACCESS_APPROVED",
            {"grant_id": grant.id, "ground": str(grant.ground)},
        )
    return grant


async def revoke_grant(actor: Actor, grant_id: int) -> LegalAccessGrant:
    """Ends a grant at once, approved or not; revoking again changes nothing."""
    actor.admin_id()
    grant = await grant_by_id(grant_id)
    if grant.revoked_at is None:
        async with in_transaction():
            grant.revoked_at = utcnow()
            await grant.save(update_fields=["revoked_at"])
            await record_change(
                actor, f"account:{grant.subject_id}", "LEGAL_ACCESS_REVOKED", {"grant_id": grant.id}
            )
    return grant
