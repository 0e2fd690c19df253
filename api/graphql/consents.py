"""A person's consents: given to a recipient for one purpose and some categories, under the policy
version in effect, with evidence; withdrawn from the next request on (P-SHARE-1/2, P-WITHDRAW-1,
P-UPDATE-1). Only the person themself reads or changes their consents."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api import scopes
from api.audit.events import record
from api.errors import ApiError, ErrorCode, invalid, not_found
from api.graphql.affiliates import AffiliateNode, find_affiliate
from api.graphql.consent_receipts import ConsentReceipt, consent_receipt
from api.graphql.context import Info, RequestContext
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.policy import current_policy
from models.accounts import lock_active_account
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate, Consent, ConsentEnd

ConsentEndEnum = strawberry.enum(ConsentEnd, name="ConsentEnd")
CHANNEL = "api"
USER_AGENT_LENGTH = 255


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
        return consent_receipt(self.row, awaiting)


@strawberry.input
class GrantConsentInput:
    recipient_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to consent to this service itself."
    )
    purpose: str
    categories: list[str]


async def recipient_for(recipient_id: strawberry.ID | None, purpose: str) -> Affiliate | None:
    if recipient_id is None:
        return None
    recipient = await find_affiliate(recipient_id, "recipientId")
    if purpose not in recipient.purposes:
        raise invalid("purpose", "the recipient does not process data for this purpose")
    if recipient.region != MAINLAND_CHINA:
        # It could never take effect (P-REGION-1): better said now than silently ignored.
        raise invalid("recipientId", "the recipient is outside mainland China: data stays here")
    return recipient


async def own_consent(context: RequestContext, consent_id: strawberry.ID) -> Consent:
    """The viewer's consent; anyone else's is not found, as if it did not exist."""
    consent = (
        await Consent.filter(id=parse_id(consent_id, "consent"), account_id=context.account_id)
        .select_related("recipient", "policy_version")
        .first()
    )
    if consent is None:
        raise not_found("consent")
    return consent


def evidence(context: RequestContext) -> dict[str, str | None]:
    request = context.request
    agent = request.headers.get("user-agent")
    return {
        "evidence_channel": CHANNEL,
        "evidence_ip": request.client.host if request.client else None,
        "evidence_user_agent": agent[:USER_AGENT_LENGTH] if agent else None,
    }


@strawberry.type
class ConsentQueries:
    @strawberry.field(description="The signed-in person's consents, ended ones too, newest first.")
    async def my_consents(self, info: Info) -> list[ConsentNode]:
        rows = (
            await Consent.filter(account_id=info.context.account_id)
            .select_related("recipient", "policy_version")
            .order_by("-id")
        )
        return [ConsentNode(row=row) for row in rows]

    @strawberry.field(description="The receipt of one of the signed-in person's consents.")
    async def consent_receipt(self, info: Info, consent_id: strawberry.ID) -> ConsentReceipt:
        consent = await own_consent(info.context, consent_id)
        awaiting = await info.context.loaders.policy_awaiting.load(consent.account_id)
        return consent_receipt(consent, awaiting)


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(description="Consent to a recipient's purpose for some data categories.")
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> ConsentNode:
        context = info.context
        account_id = context.account_id
        purpose = scopes.purpose(input.purpose)
        categories = scopes.grantable_categories(input.categories)
        recipient = await recipient_for(input.recipient_id, purpose)
        policy = await current_policy()
        async with in_transaction():
            if await lock_active_account(account_id) is None:
                raise ApiError(ErrorCode.CONFLICT, "a cancelled account cannot consent")
            consent = await Consent.create(
                account_id=account_id,
                recipient=recipient,
                purpose=purpose,
                categories=categories,
                policy_version=policy,
                granted_at=utcnow(),
                **evidence(context),
            )
            await record(
                context,
                f"account:{account_id}",
                "CONSENT_GRANTED",
                {
                    "consent_id": consent.id,
                    "recipient_id": recipient.id if recipient else None,
                    "purpose": purpose,
                    "categories": categories,
                    "policy_version": policy.version,
                },
            )
        return ConsentNode(row=consent)

    @strawberry.mutation(
        description="Withdraw one's own consent: it stops counting from the next request on."
    )
    async def withdraw_consent(self, info: Info, consent_id: strawberry.ID) -> ConsentNode:
        context = info.context
        consent = await own_consent(context, consent_id)
        if consent.withdrawn_at is not None:
            return ConsentNode(row=consent)
        now = utcnow()
        async with in_transaction():
            # Conditional, so of two concurrent withdrawals one writes and records.
            ended = await Consent.filter(id=consent.id, withdrawn_at=None).update(
                withdrawn_at=now, ended_reason=ConsentEnd.WITHDRAWN
            )
            if ended:
                await record(
                    context,
                    f"account:{consent.account_id}",
                    "CONSENT_WITHDRAWN",
                    {"consent_id": consent.id},
                )
        return ConsentNode(row=await own_consent(context, consent_id))
