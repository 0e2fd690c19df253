"""Recipients (affiliates and third parties) and their API clients, managed by admins
(P-SHARE-1, P-SHARE-2, P-REGION-1). A client token is shown once and stored only as a digest."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api import scopes
from api.audit.events import change_event, record
from api.auth.tokens import CLIENT_PREFIX, digest, new_token
from api.errors import invalid, not_found, unauthenticated
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.validation import text
from models.audit_chain import append_entries
from models.clock import utcnow
from models.consent import Affiliate, AffiliateKind, ApiClient, Consent, ConsentEnd
from plugins.viewer import ViewerKind

AffiliateKindEnum = strawberry.enum(AffiliateKind, name="AffiliateKind")
END = str(ConsentEnd.PURPOSE_CHANGED)


@strawberry.type(name="Affiliate")
class AffiliateNode(RowNode):
    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> AffiliateKindEnum:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field(description="ISO 3166 alpha-2; only CN (mainland China) ever receives data.")
    def region(self) -> str:
        return self.row.region

    @strawberry.field(description="What the recipient may ask consent for.")
    def purposes(self) -> list[str]:
        return list(self.row.purposes)


@strawberry.type(name="ApiClient")
class ApiClientNode(RowNode):
    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    async def affiliate(self) -> AffiliateNode:
        return AffiliateNode(row=await self.row.affiliate)

    @strawberry.field
    def purpose(self) -> str:
        return self.row.purpose

    @strawberry.field(description="The most it may see; each person's consent narrows it further.")
    def categories(self) -> list[str]:
        return list(self.row.categories)

    @strawberry.field
    def expires_at(self) -> datetime | None:
        return self.row.expires_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.row.revoked_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type
class IssuedApiClient:
    token: str = strawberry.field(
        description="Shown this once: send it as `Authorization: Bearer`; only a digest is kept."
    )
    client: ApiClientNode


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


async def find_affiliate(affiliate_id: strawberry.ID, field: str) -> Affiliate:
    affiliate = await Affiliate.get_or_none(id=parse_id(affiliate_id, "affiliate"))
    if affiliate is None:
        raise invalid(field, "no such recipient")
    return affiliate


@strawberry.type
class AffiliateQueries:
    @strawberry.field(description="Every recipient: whom a person may consent to, for what.")
    async def affiliates(self, info: Info) -> list[AffiliateNode]:
        if info.context.viewer.kind is ViewerKind.ANONYMOUS:
            raise unauthenticated()
        return [AffiliateNode(row=row) for row in await Affiliate.all().order_by("id")]


@strawberry.type
class AffiliateMutations:
    @strawberry.mutation(description="Admins: register a recipient.")
    async def create_affiliate(self, info: Info, input: CreateAffiliateInput) -> AffiliateNode:
        context = info.context
        context.require_admin()
        name = text(input.name, "name", max_length=128)
        code = scopes.region(input.region)
        wanted = scopes.purposes(input.purposes)
        async with in_transaction():
            affiliate = await Affiliate.create(
                name=name, kind=input.kind, region=code, purposes=wanted
            )
            await record(
                context,
                f"affiliate:{affiliate.id}",
                "AFFILIATE_CREATED",
                {"kind": str(input.kind), "region": code, "purposes": wanted},
            )
        return AffiliateNode(row=affiliate)

    @strawberry.mutation(
        description="Admins: a dropped purpose ends its consents and clients (P-SHARE-2)."
    )
    async def change_affiliate_purposes(
        self, info: Info, affiliate_id: strawberry.ID, purposes: list[str]
    ) -> AffiliateNode:
        context = info.context
        context.require_admin()
        wanted = scopes.purposes(purposes)
        affiliate = await Affiliate.get_or_none(id=parse_id(affiliate_id, "affiliate"))
        if affiliate is None:
            raise not_found("affiliate")
        dropped = [p for p in affiliate.purposes if p not in wanted]
        async with in_transaction():
            # Read in the transaction: every consent this change ends gets its own event.
            ending = await Consent.filter(
                recipient_id=affiliate.id, purpose__in=dropped, withdrawn_at=None
            ).values_list("id", "account_id", "purpose")
            await affiliate.change_purposes(wanted)
            await append_entries(
                [
                    change_event(
                        context,
                        f"affiliate:{affiliate.id}",
                        "AFFILIATE_PURPOSES_CHANGED",
                        {"purposes": wanted, "dropped": dropped},
                    ),
                    *(
                        change_event(
                            context,
                            f"account:{account_id}",
                            "CONSENT_ENDED",
                            {"consent_id": consent_id, "purpose": ended, "reason": END},
                        )
                        for consent_id, account_id, ended in ending
                    ),
                ]
            )
        return AffiliateNode(row=affiliate)

    @strawberry.mutation(description="Admins: a client for one purpose of one recipient.")
    async def issue_api_client(self, info: Info, input: IssueApiClientInput) -> IssuedApiClient:
        context = info.context
        context.require_admin()
        affiliate = await find_affiliate(input.affiliate_id, "affiliateId")
        name = text(input.name, "name", max_length=128)
        bound = scopes.purpose(input.purpose)
        if bound not in affiliate.purposes:
            raise invalid("purpose", "not one of the recipient's purposes")
        categories = scopes.grantable_categories(input.categories)
        if input.expires_at is not None and input.expires_at <= utcnow():
            raise invalid("expiresAt", "the expiry must lie in the future")
        token = new_token(CLIENT_PREFIX)
        async with in_transaction():
            client = await ApiClient.create(
                affiliate=affiliate,
                name=name,
                purpose=bound,
                categories=categories,
                token_hash=digest(token),
                expires_at=input.expires_at,
            )
            await record(
                context,
                f"client:{client.id}",
                "API_CLIENT_ISSUED",
                {"affiliate_id": affiliate.id, "purpose": bound, "categories": categories},
            )
        return IssuedApiClient(token=token, client=ApiClientNode(row=client))

    @strawberry.mutation(description="Admins: the client's token stops working at once.")
    async def revoke_api_client(self, info: Info, client_id: strawberry.ID) -> ApiClientNode:
        context = info.context
        context.require_admin()
        client = await ApiClient.get_or_none(id=parse_id(client_id, "API client"))
        if client is None:
            raise not_found("API client")
        if client.revoked_at is None:
            async with in_transaction():
                client.revoked_at = utcnow()
                await client.save(update_fields=["revoked_at"])
                await record(context, f"client:{client.id}", "API_CLIENT_REVOKED", {})
        return ApiClientNode(row=client)
