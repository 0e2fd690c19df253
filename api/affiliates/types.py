"""Recipients and their API clients as the API shows them; a token only once, when issued."""

from datetime import datetime

import strawberry

from api.graphql.nodes import RowNode
from models.consent import AffiliateKind

AffiliateKindEnum = strawberry.enum(AffiliateKind, name="AffiliateKind")


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

    @strawberry.field(description="When the token was last replaced (`rotateApiClient`).")
    def rotated_at(self) -> datetime | None:
        return self.row.rotated_at

    @strawberry.field(description="Until when the token a rotation replaced still works.")
    def previous_token_valid_until(self) -> datetime | None:
        return self.row.previous_token_until


@strawberry.type(name="CallingApiClient")
class CallingApiClientNode(ApiClientNode):
    """The API client asking, as it may see itself."""

    consenting_people: int = strawberry.field(
        description="How many people consent to this client's recipient and purpose now: the "
        "accounts it can list."
    )


@strawberry.type
class IssuedApiClient:
    token: str = strawberry.field(
        description="Shown this once: send it as `Authorization: Bearer`; only a digest is kept."
    )
    client: ApiClientNode
