"""Legal access without consent (P-EXEMPT-1): admins request, approve and revoke grants."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.legal_access.service import (
    GrantRequest,
    approve_grant,
    pending_grants,
    request_grant,
    revoke_grant,
)
from api.legal_access.types import LegalAccessGrantNode, LegalGroundEnum

GRANT = "legal-access grant"


@strawberry.input
class LegalAccessInput:
    ground: LegalGroundEnum  # type: ignore[valid-type]
    reference: str
    subject_id: strawberry.ID
    categories: list[str]
    expires_at: datetime


@strawberry.type
class LegalAccessQueries:
    @strawberry.field(description="Admins: grants still awaiting a second admin's approval.")
    async def pending_legal_access(self, info: Info) -> list[LegalAccessGrantNode]:
        return [LegalAccessGrantNode(row=row) for row in await pending_grants(info.context.actor)]


@strawberry.type
class LegalAccessMutations:
    @strawberry.mutation(
        description="Admins: request access on a legal ground; it counts once another admin "
        "approves it with approveLegalAccess."
    )
    async def grant_legal_access(self, info: Info, input: LegalAccessInput) -> LegalAccessGrantNode:
        request = GrantRequest(
            ground=input.ground,
            reference=input.reference,
            subject_id=parse_id(input.subject_id, "account"),
            categories=input.categories,
            expires_at=input.expires_at,
        )
        return LegalAccessGrantNode(row=await request_grant(info.context.actor, request))

    @strawberry.mutation(description="Admins: approve another admin's request (four eyes).")
    async def approve_legal_access(
        self, info: Info, grant_id: strawberry.ID
    ) -> LegalAccessGrantNode:
        grant = await approve_grant(info.context.actor, parse_id(grant_id, GRANT))
        return LegalAccessGrantNode(row=grant)

    @strawberry.mutation(description="Admins: end a grant at once, approved or not.")
    async def revoke_legal_access(
        self, info: Info, grant_id: strawberry.ID
    ) -> LegalAccessGrantNode:
        grant = await revoke_grant(info.context.actor, parse_id(grant_id, GRANT))
        return LegalAccessGrantNode(row=grant)
