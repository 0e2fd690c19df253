"""The privacy policy in effect, open to anyone (P-CONTACT-1); a person accepts a version, admins
publish one and every person is told (P-UPDATE-1)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.notices.notifications import load_sender
from api.policy.publication import named, published_versions
from api.policy.service import PolicyDraft, accept_policy, current_policy, publish
from api.policy.types import PolicyAcceptanceNode, PolicyVersionNode, PublishedPolicy


@strawberry.input
class PublishPolicyInput:
    version: str
    summary: str = strawberry.field(description="What changed, in words every person reads.")
    text: str = strawberry.field(
        description="The full text: the site publishes it as the notice of this version."
    )
    digest: str | None = strawberry.field(
        default=None, description="SHA-256 of the text, hex: when given, it must match."
    )
    requires_fresh_consent: bool = False
    effective_at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="The policy in effect now; open to anyone, signed in or not.")
    async def current_policy(self) -> PolicyVersionNode:
        return PolicyVersionNode(row=await current_policy())

    @strawberry.field(
        description="Every version published, in the order they take effect; open to anyone."
    )
    async def policy_versions(self) -> list[PolicyVersionNode]:
        return [PolicyVersionNode(row=row) for row in await published_versions()]

    @strawberry.field(description="One published version by its name; open to anyone.")
    async def policy_version(self, version: str) -> PolicyVersionNode:
        return PolicyVersionNode(row=named(await published_versions(), version))


@strawberry.type
class PolicyMutations:
    @strawberry.mutation(description="Accept the policy in effect; accepting it again is a no-op.")
    async def accept_policy(self, info: Info, version: str) -> PolicyAcceptanceNode:
        await info.context.account()
        acceptance, policy = await accept_policy(info.context.actor, version)
        return PolicyAcceptanceNode(row=acceptance, policy=policy)


@strawberry.type
class PolicyUpdateMutations:
    @strawberry.mutation(description="Admins: publish a policy version and tell every person.")
    async def publish_policy(self, info: Info, input: PublishPolicyInput) -> PublishedPolicy:
        context = info.context
        draft = PolicyDraft(
            version=input.version,
            summary=input.summary,
            text=input.text,
            digest=input.digest,
            requires_fresh_consent=input.requires_fresh_consent,
            effective_at=input.effective_at,
        )
        sender = load_sender(context.runtime.settings.notification_sender)
        policy, notified = await publish(context.actor, draft, sender)
        return PublishedPolicy(policy=PolicyVersionNode(row=policy), notified=notified)
