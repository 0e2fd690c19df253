"""Partner accounts (policy 五(一)3-4): admins invite the staff of a partner company, who register
through the invitation."""

import strawberry

from api.accounts.types import AccountNode, account_nodes
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.partners.service import (
    DEFAULT_VALID_HOURS,
    Registration,
    accept_invitation,
    invite_partner,
)
from api.partners.types import IssuedPartnerInvitation, PartnerInvitationNode


@strawberry.input
class InvitePartnerInput:
    affiliate_id: strawberry.ID = strawberry.field(description="The partner company.")
    valid_for_hours: int = DEFAULT_VALID_HOURS


@strawberry.input
class AcceptPartnerInvitationInput:
    token: str = strawberry.field(description="The invitation token the admin handed over.")
    phone: str
    name: str
    email: str
    company: str
    password: str


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(
        description="Admins: invite a partner company's staff member; the token is shown once."
    )
    async def invite_partner(
        self, info: Info, input: InvitePartnerInput
    ) -> IssuedPartnerInvitation:
        issued = await invite_partner(
            info.context.actor, parse_id(input.affiliate_id, "affiliate"), input.valid_for_hours
        )
        return IssuedPartnerInvitation(
            token=issued.token, invitation=PartnerInvitationNode(row=issued.invitation)
        )

    @strawberry.mutation(
        description="Register a partner account through an invitation, with the four details "
        "every person gives; then sign in with `login`."
    )
    async def accept_partner_invitation(
        self, info: Info, input: AcceptPartnerInvitationInput
    ) -> AccountNode:
        context = info.context
        account = await accept_invitation(
            context.actor,
            context.runtime.passwords,
            input.token,
            Registration(
                phone=input.phone,
                email=input.email,
                name=input.name,
                company=input.company,
                password=input.password,
            ),
        )
        # The registrant reads back what they sent, as that partner, and nothing more.
        context.become(account, session=None)
        [node] = await account_nodes(context, [account])
        return node
