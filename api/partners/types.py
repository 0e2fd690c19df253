"""Partner invitations as admins see them; the token only once, when issued."""

from datetime import datetime

import strawberry

from api.affiliates.types import AffiliateNode
from api.graphql.nodes import RowNode


@strawberry.type(name="PartnerInvitation")
class PartnerInvitationNode(RowNode):
    @strawberry.field(description="The partner company the invitee will work for.")
    async def affiliate(self) -> AffiliateNode:
        return AffiliateNode(row=await self.row.affiliate)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field(description="When the invitee registered through it; null until then.")
    def accepted_at(self) -> datetime | None:
        return self.row.accepted_at


@strawberry.type
class IssuedPartnerInvitation:
    token: str = strawberry.field(
        description="Shown this once: hand it to the invitee; only a digest is kept."
    )
    invitation: PartnerInvitationNode
