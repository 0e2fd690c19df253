"""The schema, composed from the per-domain modules, with the guards configuration asks for."""

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.accounts.schema import AccountMutations, AccountQueries
from api.activity.schema import DeviceLogMutations
from api.affiliates.schema import AffiliateMutations, AffiliateQueries
from api.audit.schema import AccessHistoryQueries
from api.auth.schema import AuthMutations
from api.consent.schema import CategoryQueries, ConsentMutations, ConsentQueries
from api.graphql.execution import LeafRowExecutor
from api.graphql.extensions.consent_report import ConsentReport
from api.graphql.extensions.error_codes import LabelGraphQLErrors
from api.graphql.extensions.introspection import introspection_extension
from api.graphql.extensions.limits import QueryLimits, limit_extensions
from api.graphql.extensions.operation_name import RequireOperationName
from api.graphql.extensions.partner_scope import PartnerScope
from api.graphql.extensions.suggestions import suggestions_extension
from api.graphql.extensions.unexpected_errors import (
    MaskUnexpectedErrors,
    is_unexpected,
    log_unexpected,
)
from api.graphql.extensions.validation_cache import validation_cache_extension
from api.legal_access.schema import LegalAccessMutations, LegalAccessQueries
from api.notices.schema import (
    IncidentMutations,
    IncidentQueries,
    NotificationMutations,
    NotificationQueries,
)
from api.orders.schema import OrderMutations, OrderQueries
from api.partners.schema import PartnerMutations
from api.policy.schema import PolicyMutations, PolicyQueries, PolicyUpdateMutations
from api.privacy.schema import (
    CancellationMutations,
    DataExportQueries,
    PrivacyPreferenceMutations,
    PrivacyRequestMutations,
    PrivacyRequestQueries,
)
from api.reservations.schema import ReservationMutations, ReservationQueries
from api.settings import Settings
from api.transfers.schema import TransferMutations, TransferQueries
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
        PrivacyPreferenceMutations,
        PartnerMutations,
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


def operation_kind(execution_context: ExecutionContext | None) -> str | None:
    """query, mutation or subscription, once the document parsed."""
    if execution_context is None or execution_context.graphql_document is None:
        return None
    return execution_context.operation_type.value


def forget_tracebacks(error: BaseException) -> None:
    """Of an error, its original and the errors they were raised from or while handling."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += (
            current.__cause__,
            current.__context__,
            getattr(current, "original_error", None),
        )


class ConsentQLSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Only unexpected errors are logged, and without the document (see log_unexpected).

        Then their tracebacks go: they hold the frames the errors passed through, and those the
        executor that collected the errors, a cycle that would keep the request's objects alive
        until the cyclic collector finds them (see `api.graphql.execution.weak_async_helpers`).
        """
        for error in errors:
            if is_unexpected(error):
                log_unexpected(error, operation_kind(execution_context))
            forget_tracebacks(error)


def build_schema(
    settings: Settings, *, tracing: Callable[[], SchemaExtension] | None = None
) -> strawberry.Schema:
    """`tracing`, when given, comes first: its spans then cover every other extension's work."""
    return ConsentQLSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            *([tracing] if tracing else []),
            MaskUnexpectedErrors,
            lambda: ParserCache(maxsize=256),
            *limit_extensions(query_limits(settings)),
            RequireOperationName,
            PartnerScope,
            introspection_extension(production=settings.production, is_signed_in=is_signed_in),
            validation_cache_extension(),
            suggestions_extension(is_admin),
            ConsentReport,
            LabelGraphQLErrors,
        ],
        execution_context_class=LeafRowExecutor,
    )
