"""The schema, composed from the per-domain modules."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.tools import merge_types

from api.errors import ApiError
from api.graphql.accounts import AccountMutations, AccountQueries
from api.graphql.auth import AuthMutations
from api.graphql.consent_report import ConsentReport
from api.graphql.orders import OrderMutations, OrderQueries
from api.graphql.reservations import ReservationMutations, ReservationQueries

Query = merge_types("Query", (AccountQueries, OrderQueries, ReservationQueries))
Mutation = merge_types(
    "Mutation", (AuthMutations, AccountMutations, OrderMutations, ReservationMutations)
)


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raised on purpose and GraphQL's own (syntax, validation) go out as they are;
    anything else is a fault of ours and leaves as "Unexpected error."."""
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: MaskErrors(should_mask_error=is_unexpected),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            ConsentReport,
        ],
    )


schema = build_schema()
