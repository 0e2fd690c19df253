"""Recipients (affiliates and third parties) and their API clients, managed by admins
(P-SHARE-1, P-SHARE-2, P-REGION-1)."""

from datetime import datetime

import strawberry

from api.affiliates.service import (
    ClientRequest,
    calling_client,
    change_purposes,
    clients_of,
    consenting_people,
    create_affiliate,
    issue_client,
    list_affiliates,
    revoke_client,
    rotate_client,
)
from api.affiliates.types import (
    AffiliateKindEnum,
    AffiliateNode,
    ApiClientNode,
    CallingApiClientNode,
    IssuedApiClient,
)
from api.graphql.context import Info
from api.graphql.ids import parse_id


@strawberry.input
class CreateAffiliateInput:
    name: str
    kind: AffiliateKindEnum  # type: ignore[valid-type]
    region: str
    purposes: list[str]


@strawberry.input
class IssueApiClientInput:
    affiliate_id: strawberry.ID
    name: str
    purpose: str
    categories: list[str]
    expires_at: datetime | None = None


@strawberry.type
class AffiliateQueries:
    @strawberry.field(description="Every recipient: whom a person may consent to, for what.")
    async def affiliates(self, info: Info) -> list[AffiliateNode]:
        return [AffiliateNode(row=row) for row in await list_affiliates(info.context.actor)]

    @strawberry.field(
        description="The API client asking (`Authorization: Bearer cqc_...`): its recipient, "
        "purpose, scopes and expiry; null for anyone else."
    )
    async def api_client(self, info: Info) -> CallingApiClientNode | None:
        row = await calling_client(info.context.actor)
        if row is None:
            return None
        return CallingApiClientNode(
            row=row, consenting_people=await consenting_people(info.context.decisions)
        )

    @strawberry.field(
        description="Admins: the clients issued to one recipient (or to any), revoked ones "
        "included, newest first."
    )
    async def api_clients(
        self, info: Info, affiliate_id: strawberry.ID | None = None
    ) -> list[ApiClientNode]:
        wanted = None if affiliate_id is None else parse_id(affiliate_id, "affiliate")
        rows = await clients_of(info.context.actor, wanted)
        return [ApiClientNode(row=row) for row in rows]


@strawberry.type
class AffiliateMutations:
    @strawberry.mutation(description="Admins: register a recipient.")
    async def create_affiliate(self, info: Info, input: CreateAffiliateInput) -> AffiliateNode:
        affiliate = await create_affiliate(
            info.context.actor, input.name, input.kind, input.region, input.purposes
        )
        return AffiliateNode(row=affiliate)

    @strawberry.mutation(
        description="Admins: a dropped purpose ends its consents and clients (P-SHARE-2)."
    )
    async def change_affiliate_purposes(
        self, info: Info, affiliate_id: strawberry.ID, purposes: list[str]
    ) -> AffiliateNode:
        affiliate = await change_purposes(
            info.context.actor, parse_id(affiliate_id, "affiliate"), purposes
        )
        return AffiliateNode(row=affiliate)

    @strawberry.mutation(description="Admins: a client for one purpose of one recipient.")
    async def issue_api_client(self, info: Info, input: IssueApiClientInput) -> IssuedApiClient:
        issued = await issue_client(
            info.context.actor,
            ClientRequest(
                affiliate_id=parse_id(input.affiliate_id, "affiliate"),
                name=input.name,
                purpose=input.purpose,
                categories=input.categories,
                expires_at=input.expires_at,
            ),
        )
        return IssuedApiClient(token=issued.token, client=ApiClientNode(row=issued.client))

    @strawberry.mutation(
        description="Admins: a new token for the client; the current one keeps working for "
        "`overlapHours` (0 to 720), then stops."
    )
    async def rotate_api_client(
        self, info: Info, client_id: strawberry.ID, overlap_hours: int = 24
    ) -> IssuedApiClient:
        issued = await rotate_client(
            info.context.actor,
            parse_id(client_id, "API client"),
            overlap_hours,
        )
        return IssuedApiClient(token=issued.token, client=ApiClientNode(row=issued.client))

    @strawberry.mutation(description="Admins: the client's token stops working at once.")
    async def revoke_api_client(self, info: Info, client_id: strawberry.ID) -> ApiClientNode:
        client = await revoke_client(info.context.actor, parse_id(client_id, "API client"))
        return ApiClientNode(row=client)
