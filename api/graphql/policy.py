"""The privacy policy in effect, with the controller's contact details (P-UPDATE-1, P-CONTACT-1),
and a person's acceptance of a version."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api.audit.events import record
from api.errors import ApiError, ErrorCode, invalid
from api.graphql.context import Info
from models.clock import utcnow
from models.consent import PolicyAcceptance, PolicyVersion

# The policy promises an answer within 15 days (P-CONTACT-1, P-RIGHTS-4).
ANSWER_WITHIN_DAYS = 15


async def current_policy() -> PolicyVersion:
    policy = await PolicyVersion.current()
    if policy is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no privacy policy is in effect yet")
    return policy


@strawberry.type
class ContactDetails:
    controller: str
    phone: str
    email: str
    registered_address: str
    contact_address: str
    answer_within_days: int


def contact_details(policy: PolicyVersion) -> ContactDetails:
    return ContactDetails(
        controller=policy.controller,
        phone=policy.contact_phone,
        email=policy.contact_email,
        registered_address=policy.registered_address,
        contact_address=policy.contact_address,
        answer_within_days=ANSWER_WITHIN_DAYS,
    )


@strawberry.type(name="PolicyVersion")
class PolicyVersionNode:
    row: strawberry.Private[PolicyVersion]

    @strawberry.field
    def version(self) -> str:
        return self.row.version

    @strawberry.field
    def published_at(self) -> datetime:
        return self.row.published_at

    @strawberry.field
    def effective_at(self) -> datetime:
        return self.row.effective_at

    @strawberry.field(description="SHA-256 of the policy text, hex.")
    def digest(self) -> str:
        return self.row.digest

    @strawberry.field(description="What changed from the previous version.")
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field(description="Whether consents given under earlier versions stop counting.")
    def requires_fresh_consent(self) -> bool:
        return self.row.requires_fresh_consent

    @strawberry.field
    def contact(self) -> ContactDetails:
        return contact_details(self.row)


@strawberry.type(name="PolicyAcceptance")
class PolicyAcceptanceNode:
    row: strawberry.Private[PolicyAcceptance]
    policy: strawberry.Private[PolicyVersion]

    @strawberry.field
    def version(self) -> str:
        return self.policy.version

    @strawberry.field
    def accepted_at(self) -> datetime:
        return self.row.accepted_at

    @strawberry.field
    def channel(self) -> str:
        return self.row.channel


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="The policy in effect now; open to anyone, signed in or not.")
    async def current_policy(self) -> PolicyVersionNode:
        return PolicyVersionNode(row=await current_policy())


@strawberry.type
class PolicyMutations:
    @strawberry.mutation(description="Accept the policy in effect; accepting it again is a no-op.")
    async def accept_policy(self, info: Info, version: str) -> PolicyAcceptanceNode:
        context = info.context
        account = await context.account()
        policy = await current_policy()
        if version.strip() != policy.version:
            raise invalid("version", f"only the version in effect ({policy.version}) is accepted")
        async with in_transaction():
            acceptance, created = await PolicyAcceptance.get_or_create(
                account=account,
                policy_version=policy,
                defaults={"accepted_at": utcnow(), "channel": "api"},
            )
            if created:
                await record(
                    context,
                    f"account:{account.id}",
                    "POLICY_ACCEPTED",
                    {"policy_version": policy.version},
                )
        return PolicyAcceptanceNode(row=acceptance, policy=policy)
