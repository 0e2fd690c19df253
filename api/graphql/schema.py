"""The schema, composed from the per-domain modules, with the guards configuration asks for."""

import strawberry
from strawberry.extensions import ParserCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.graphql.access_history import AccessHistoryQueries
from api.graphql.accounts import AccountMutations, AccountQueries
from api.graphql.affiliates import AffiliateMutations, AffiliateQueries
from api.graphql.auth import AuthMutations
from api.graphql.cancellation import CancellationMutations
from api.graphql.categories import CategoryQueries
from api.graphql.consent_report import ConsentReport
from api.graphql.consents import ConsentMutations, ConsentQueries
from api.graphql.data_export import DataExportQueries
from api.graphql.device_logs import DeviceLogMutations
from api.graphql.error_codes import LabelGraphQLErrors
from api.graphql.incidents import IncidentMutations, IncidentQueries
from api.graphql.introspection import introspection_extension
from api.graphql.legal_access import LegalAccessMutations, LegalAccessQueries
from api.graphql.limits import QueryLimits, limit_extensions
from api.graphql.notifications import NotificationMutations, NotificationQueries
from api.graphql.operation_name import RequireOperationName
from api.graphql.orders import OrderMutations, OrderQueries
from api.graphql.policy import PolicyMutations, PolicyQueries
from api.graphql.policy_updates import PolicyUpdateMutations
from api.graphql.privacy_requests import PrivacyRequestMutations, PrivacyRequestQueries
from api.graphql.reservations import ReservationMutations, ReservationQueries
from api.graphql.suggestions import suggestions_extension
from api.graphql.transfers import TransferMutations, TransferQueries
from api.graphql.unexpected_errors import MaskUnexpectedErrors
from api.graphql.validation_cache import validation_cache_extension
from api.settings import Settings
from plugins.viewer import ViewerKind

Query = merge_types(
    "Query",
    (
        AccountQueries,
        OrderQueries,
        ReservationQueries,
        CategoryQueries,
        PolicyQueries,
        ConsentQueries,
        AccessHistoryQueries,
        AffiliateQueries,
        LegalAccessQueries,
        PrivacyRequestQueries,
        DataExportQueries,
        NotificationQueries,
        IncidentQueries,
        TransferQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutations,
        AccountMutations,
        OrderMutations,
        ReservationMutations,
        ConsentMutations,
        PolicyMutations,
        AffiliateMutations,
        LegalAccessMutations,
        PrivacyRequestMutations,
        CancellationMutations,
        DeviceLogMutations,
        PolicyUpdateMutations,
        IncidentMutations,
        TransferMutations,
        NotificationMutations,
    ),
)


def is_signed_in(execution: ExecutionContext) -> bool:
    return execution.context.viewer.kind is not ViewerKind.ANONYMOUS


def is_admin(execution: ExecutionContext) -> bool:
    return execution.context.viewer.kind is ViewerKind.ADMIN


def query_limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_depth=settings.query_max_depth,
        max_aliases=settings.query_max_aliases,
        max_cost=settings.query_max_cost,
        echo_limits=not settings.production,
    )


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            MaskUnexpectedErrors,
            lambda: ParserCache(maxsize=256),
            *limit_extensions(query_limits(settings)),
            RequireOperationName,
            introspection_extension(production=settings.production, is_signed_in=is_signed_in),
            validation_cache_extension(),
            suggestions_extension(is_admin),
            ConsentReport,
            LabelGraphQLErrors,
        ],
    )
