"""Consents, their receipts (ISO/IEC TS 27560) and the data-category catalogue as the API shows
them."""

from datetime import datetime

import strawberry

from api.affiliates.types import AffiliateNode
from api.consent.receipts import Notice, Purpose, Receipt, Recipient, consent_receipt
from api.graphql.context import Info
from api.graphql.nodes import RowNode
from api.policy.types import ContactDetails
from models.consent import ConsentEnd
from plugins.categories import DataCategory
from plugins.decision import Effect

ConsentEndEnum = strawberry.enum(ConsentEnd, name="ConsentEnd")
EffectEnum = strawberry.enum(Effect, name="Effect")


@strawberry.type
class ReceiptRecipient(Recipient):
    pass


@strawberry.type
class ReceiptPurpose(Purpose):
    recipient: ReceiptRecipient | None = strawberry.field(
        description="Who receives the data; null: the controller itself."
    )


@strawberry.type
class ReceiptNotice(Notice):
    pass


@strawberry.type
class ConsentReceipt(Receipt):
    pii_principal_id: str = strawberry.field(description="The person, by account reference.")
    controller: ContactDetails
    notice: ReceiptNotice = strawberry.field(description="The policy version consent was given on.")
    purposes: list[ReceiptPurpose]
    state: str = strawberry.field(
        description="ACTIVE; PAUSED until a newer policy version is accepted; WITHDRAWN; "
        "PURPOSE_CHANGED; NARROWED (replaced by a consent to fewer categories)."
    )


@strawberry.type
class ConsentEvidence:
    channel: str
    ip: str | None
    user_agent: str | None


@strawberry.type(name="Consent")
class ConsentNode(RowNode):
    @strawberry.field(description="Who receives the data; null: this service itself.")
    def recipient(self) -> AffiliateNode | None:
        recipient = self.row.recipient
        return AffiliateNode(row=recipient) if recipient is not None else None

    @strawberry.field
    def purpose(self) -> str:
        return self.row.purpose

    @strawberry.field
    def categories(self) -> list[str]:
        return list(self.row.categories)

    @strawberry.field(description="The policy version in effect when consent was given.")
    def policy_version(self) -> str:
        return self.row.policy_version.version

    @strawberry.field
    def granted_at(self) -> datetime:
        return self.row.granted_at

    @strawberry.field
    def withdrawn_at(self) -> datetime | None:
        return self.row.withdrawn_at

    @strawberry.field
    def ended_reason(self) -> ConsentEndEnum | None:  # type: ignore[valid-type]
        return ConsentEnd(self.row.ended_reason) if self.row.ended_reason else None

    @strawberry.field
    def evidence(self) -> ConsentEvidence:
        row = self.row
        return ConsentEvidence(
            channel=row.evidence_channel, ip=row.evidence_ip, user_agent=row.evidence_user_agent
        )

    @strawberry.field(description="The receipt after ISO/IEC TS 27560.")
    async def receipt(self, info: Info) -> ConsentReceipt:
        awaiting = await info.context.loaders.policy_awaiting.load(self.row.account_id)
        return consent_receipt(self.row, awaiting)  # type: ignore[return-value]


@strawberry.type(name="DataCategory")
class DataCategoryNode:
    category: strawberry.Private[DataCategory]

    @strawberry.field
    def id(self) -> str:
        return self.category.id

    @strawberry.field
    def description(self) -> str:
        return self.category.description

    @strawberry.field
    def sensitive(self) -> bool:
        return self.category.sensitive

    @strawberry.field(description="What a viewer gets when no plugin permits: MASK or BLOCK.")
    def default_effect(self) -> EffectEnum:  # type: ignore[valid-type]
        return self.category.default_effect

    @strawberry.field(description="The mask strategy, e.g. phone: 138****1234.")
    def mask(self) -> str:
        return self.category.mask

    @strawberry.field(description="What a masked value may keep of the original, at most.")
    def masked_keeps(self) -> str:
        return self.category.masked_keeps

    @strawberry.field(description="Days kept after the purpose ends; null: the account's life.")
    def retention_days(self) -> int | None:
        return self.category.retention_days

    @strawberry.field
    def retention_basis(self) -> str:
        return self.category.retention_basis
