"""Admins publish a new policy version; every active person is told (P-UPDATE-1)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.notices.notifications import load_sender
from api.policy.publishing import checked, publish
from api.policy.schema import PolicyVersionNode


@strawberry.input
class PublishPolicyInput:
    version: str
    summary: str = strawberry.field(description="What changed, in words every person reads.")
    text: str | None = strawberry.field(default=None, description="The full text (or digest).")
    digest: str | None = strawberry.field(default=None, description="SHA-256 of the text.")
    requires_fresh_consent: bool = False
    effective_at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.type
class PublishedPolicy:
    policy: PolicyVersionNode
    notified: int = strawberry.field(description="People told through their notifications.")


@strawberry.type
class PolicyUpdateMutations:
    @strawberry.mutation(description="Admins: publish a policy version and tell every person.")
    async def publish_policy(self, info: Info, input: PublishPolicyInput) -> PublishedPolicy:
        context = info.context
        context.require_admin()
        new = checked(
            input.version,
            input.summary,
            input.text,
            input.digest,
            input.requires_fresh_consent,
            input.effective_at,
        )
        sender = load_sender(context.services.settings.notification_sender)
        policy, notified = await publish(new, sender)
        return PublishedPolicy(policy=PolicyVersionNode(row=policy), notified=notified)
