"""A person's consents and their receipts, and the data-category catalogue (P-SHARE-1/2,
P-WITHDRAW-1, P-UPDATE-1). Only the person themself reads or changes their consents."""

import strawberry

from api.consent.receipts import consent_receipt
from api.consent.service import (
    ConsentRequest,
    grant_consent,
    my_consents,
    narrow_consent,
    own_consent,
    withdraw_consent,
)
from api.consent.types import ConsentNode, ConsentReceipt, DataCategoryNode
from api.graphql.context import Info
from api.graphql.ids import parse_id
from plugins.categories import catalogue


@strawberry.input
class GrantConsentInput:
    recipient_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to consent to this service itself."
    )
    purpose: str
    categories: list[str]


@strawberry.type
class ConsentQueries:
    @strawberry.field(description="The signed-in person's consents, ended ones too, newest first.")
    async def my_consents(self, info: Info) -> list[ConsentNode]:
        return [ConsentNode(row=row) for row in await my_consents(info.context.actor)]

    @strawberry.field(description="The receipt of one of the signed-in person's consents.")
    async def consent_receipt(self, info: Info, consent_id: strawberry.ID) -> ConsentReceipt:
        consent = await own_consent(info.context.actor, parse_id(consent_id, "consent"))
        awaiting = await info.context.loaders.policy_awaiting.load(consent.account_id)
        return consent_receipt(consent, awaiting)  # type: ignore[return-value]


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(description="Consent to a recipient's purpose for some data categories.")
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> ConsentNode:
        recipient_id = (
            parse_id(input.recipient_id, "affiliate") if input.recipient_id is not None else None
        )
        request = ConsentRequest(
            recipient_id=recipient_id, purpose=input.purpose, categories=input.categories
        )
        return ConsentNode(row=await grant_consent(info.context.actor, request))

    @strawberry.mutation(
        description="Withdraw one's own consent: it stops counting from the next request on."
    )
    async def withdraw_consent(self, info: Info, consent_id: strawberry.ID) -> ConsentNode:
        consent = await withdraw_consent(info.context.actor, parse_id(consent_id, "consent"))
        return ConsentNode(row=consent)

    @strawberry.mutation(
        description="Keep only some categories of one's own consent: it ends as NARROWED and "
        "the narrower consent that replaces it, under the policy in effect, is returned."
    )
    async def narrow_consent(
        self, info: Info, consent_id: strawberry.ID, categories: list[str]
    ) -> ConsentNode:
        consent = await narrow_consent(
            info.context.actor, parse_id(consent_id, "consent"), categories
        )
        return ConsentNode(row=consent)


@strawberry.type
class CategoryQueries:
    @strawberry.field(description="Every data category (consent scope), in catalogue order.")
    def data_categories(self) -> list[DataCategoryNode]:
        return [DataCategoryNode(category=category) for category in catalogue().values()]
