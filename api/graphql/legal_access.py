"""Legal access without consent (P-EXEMPT-1), four eyes: one admin requests a grant naming one of
the eleven grounds, a reference, the person, the categories and an expiry; a different admin
approves it. Only then does it count, and only for the requester (see plugins.builtin.grants)."""

from datetime import datetime, timedelta
from enum import StrEnum

import strawberry
from tortoise.transactions import in_transaction

from api import scopes
from api.audit.events import record
from api.errors import forbidden, invalid, not_found
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.validation import text
from models.accounts import Account
from models.clock import utcnow
from models.consent import LegalAccessGrant, LegalGround

LegalGroundEnum = strawberry.enum(LegalGround, name="LegalGround")
# Longer needs a fresh request and a fresh approval.
MAX_DURATION = timedelta(days=90)


@strawberry.enum
class GrantState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


@strawberry.type(name="LegalAccessGrant")
class LegalAccessGrantNode(RowNode):
    @strawberry.field
    def ground(self) -> LegalGroundEnum:  # type: ignore[valid-type]
        return self.row.ground

    @strawberry.field(description="The case number or other reference of the legal basis.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.subject_id))

    @strawberry.field
    def categories(self) -> list[str]:
        return list(self.row.categories)

    @strawberry.field
    def requested_by_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.requested_by_id))

    @strawberry.field
    def approved_by_id(self) -> strawberry.ID | None:
        approver = self.row.approved_by_id
        return strawberry.ID(str(approver)) if approver is not None else None

    @strawberry.field
    def requested_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def approved_at(self) -> datetime | None:
        return self.row.approved_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.row.revoked_at

    @strawberry.field
    def state(self) -> GrantState:
        row = self.row
        if row.revoked_at is not None:
            return GrantState.REVOKED
        if row.expires_at <= utcnow():
            return GrantState.EXPIRED
        return GrantState.APPROVED if row.approved_by_id is not None else GrantState.PENDING


@strawberry.input
class LegalAccessInput:
    ground: LegalGroundEnum  # type: ignore[valid-type]
    reference: str
    subject_id: strawberry.ID
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


async def grant_by_id(grant_id: strawberry.ID) -> LegalAccessGrant:
    grant = await LegalAccessGrant.get_or_none(id=parse_id(grant_id, "legal-access grant"))
    if grant is None:
        raise not_found("legal-access grant")
    return grant


@strawberry.type
class LegalAccessQueries:
    @strawberry.field(description="Admins: grants still awaiting a second admin's approval.")
    async def pending_legal_access(self, info: Info) -> list[LegalAccessGrantNode]:
        info.context.require_admin()
        rows = await LegalAccessGrant.filter(
            approved_by_id=None, revoked_at=None, expires_at__gt=utcnow()
        ).order_by("id")
        return [LegalAccessGrantNode(row=row) for row in rows]


@strawberry.type
class LegalAccessMutations:
    @strawberry.mutation(
        description="Admins: request access on a legal ground; it counts once another admin "
        "approves it with approveLegalAccess."
    )
    async def grant_legal_access(self, info: Info, input: LegalAccessInput) -> LegalAccessGrantNode:
        context = info.context
        requester = context.require_admin()
        reference = text(input.reference, "reference", max_length=128)
        categories = scopes.grantable_categories(input.categories)
        expires_at = expiry(input.expires_at)
        subject_id = parse_id(input.subject_id, "account")
        if not await Account.exists(id=subject_id):
            raise not_found("account")
        async with in_transaction():
            grant = await LegalAccessGrant.create(
                ground=input.ground,
                reference=reference,
                requested_by_id=requester,
                subject_id=subject_id,
                categories=categories,
                expires_at=expires_at,
            )
            await record(
                context,
                f"account:{subject_id}",
                "LEGAL_ACCESS_REQUESTED",
                {"grant_id": grant.id, "ground": str(input.ground), "categories": categories},
            )
        return LegalAccessGrantNode(row=grant)

    @strawberry.mutation(description="Admins: approve another admin's request (four eyes).")
    async def approve_legal_access(
        self, info: Info, grant_id: strawberry.ID
    ) -> LegalAccessGrantNode:
        context = info.context
        approver = context.require_admin()
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
            await record(
                context,
                f"account:{grant.subject_id}",
                "LEGAL_ACCESS_APPROVED",
                {"grant_id": grant.id, "ground": str(grant.ground)},
            )
        return LegalAccessGrantNode(row=grant)

    @strawberry.mutation(description="Admins: end a grant at once, approved or not.")
    async def revoke_legal_access(
        self, info: Info, grant_id: strawberry.ID
    ) -> LegalAccessGrantNode:
        context = info.context
        context.require_admin()
        grant = await grant_by_id(grant_id)
        if grant.revoked_at is None:
            async with in_transaction():
                grant.revoked_at = utcnow()
                await grant.save(update_fields=["revoked_at"])
                await record(
                    context,
                    f"account:{grant.subject_id}",
                    "LEGAL_ACCESS_REVOKED",
                    {"grant_id": grant.id},
                )
        return LegalAccessGrantNode(row=grant)
