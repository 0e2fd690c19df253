"""The policy version in effect, the controller's contact details (P-CONTACT-1), and a person's
acceptance of a version (P-UPDATE-1)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.policy.contact import Contact, contact_of
from api.policy.publication import page_path, text_diff
from models.consent import PolicyAcceptance, PolicyVersion


@strawberry.type
class ContactDetails(Contact):
    pass


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
        return contact_of(self.row)  # type: ignore[return-value]

    @strawberry.field(
        description="The full text, as published on the site; null only for a version "
        "published, by digest, before texts were kept."
    )
    def text(self) -> str | None:
        return self.row.text

    @strawberry.field(description="Where the site publishes it: an HTML page; add .json for JSON.")
    def url(self) -> str:
        return page_path(self.row.version)

    @strawberry.field(description="The version before it; null for the first.")
    async def previous_version(self, info: Info) -> str | None:
        previous = await info.context.loaders.previous_policy.load(self.row.id)
        return previous.version if previous else None

    @strawberry.field(
        description="A unified diff of the text against the version before; null for the "
        "first version or where a text was not kept."
    )
    async def diff(self, info: Info) -> str | None:
        previous = await info.context.loaders.previous_policy.load(self.row.id)
        return text_diff(previous, self.row)


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
class PublishedPolicy:
    policy: PolicyVersionNode
    notified: int = strawberry.field(description="People told through their notifications.")
