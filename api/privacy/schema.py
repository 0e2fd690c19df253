"""Privacy requests: a person files and follows theirs, admins answer them (P-RIGHTS-3/4); a
person exports everything held about them (P-EXPORT-1) or cancels their account (P-CANCEL-1)."""

import strawberry
from strawberry.scalars import JSON

from api.accounts.types import PrivacyPreferences, privacy_preferences
from api.errors import invalid
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.pagination import Connection, PageRequest, newest_first
from api.privacy.calendar import working_calendar
from api.privacy.cancellation import request_cancellation
from api.privacy.dnt import set_do_not_track
from api.privacy.export import export_my_data
from api.privacy.requests import requests_for_admin, requests_of, submit_request
from api.privacy.resolution import resolve_request
from api.privacy.types import (
    REQUEST_CURSOR,
    DeletionGroundEnum,
    PrivacyRequestNode,
    RequestKindEnum,
    RequestStatusEnum,
    request_connection,
    request_nodes,
)
from models.privacy import DeletionGround, RequestKind, RequestStatus
from plugins.viewer import ViewerKind


@strawberry.input
class SubmitPrivacyRequestInput:
    kind: RequestKindEnum  # type: ignore[valid-type]
    ground: DeletionGroundEnum | None = None  # type: ignore[valid-type]
    details: str | None = None


@strawberry.input
class ResolvePrivacyRequestInput:
    id: strawberry.ID
    status: RequestStatusEnum  # type: ignore[valid-type]
    resolution: str | None = strawberry.field(
        default=None, description="Required when rejecting: the person reads it."
    )


@strawberry.type
class PrivacyRequestQueries:
    @strawberry.field(description="The signed-in person's requests, newest first.")
    async def my_privacy_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PrivacyRequestNode]:
        owner = await info.context.account()
        request = PageRequest.of(REQUEST_CURSOR, first, after, last, before)
        page = await newest_first(requests_of(owner), request)
        return await request_connection(info.context, page)

    @strawberry.field(description="Admins: requests by status, or only those past their due date.")
    async def privacy_requests(
        self,
        info: Info,
        status: RequestStatusEnum | None = None,  # type: ignore[valid-type]
        overdue_only: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PrivacyRequestNode]:
        query = requests_for_admin(info.context.actor, status, overdue_only)
        page = await newest_first(query, PageRequest.of(REQUEST_CURSOR, first, after, last, before))
        return await request_connection(info.context, page)


@strawberry.type
class DataExportQueries:
    @strawberry.field(
        description="Everything held about the signed-in person as one JSON document: account, "
        "sign-ins, device logs, orders, reservations, consents with receipts, policy "
        "acceptances, requests, transfers, notifications and who accessed their data."
    )
    async def export_my_data(self, info: Info) -> JSON:
        context = info.context
        return await export_my_data(context.actor, await context.account())


@strawberry.type
class PrivacyRequestMutations:
    @strawberry.mutation(description="File a request; it is due in 15 days (P-RIGHTS-4).")
    async def submit_privacy_request(
        self, info: Info, input: SubmitPrivacyRequestInput
    ) -> PrivacyRequestNode:
        context = info.context
        if context.viewer.kind is ViewerKind.API_CLIENT:
            raise invalid("kind", "requests are filed by the person")
        owner = await context.account()
        request = await submit_request(
            context.actor,
            owner,
            RequestKind(input.kind),
            DeletionGround(input.ground) if input.ground is not None else None,
            input.details,
            working_calendar(context.runtime.settings.calendar_folder),
        )
        [node] = await request_nodes(context, [request])
        return node

    @strawberry.mutation(description="Admins: move a request on, complete or reject it.")
    async def resolve_privacy_request(
        self, info: Info, input: ResolvePrivacyRequestInput
    ) -> PrivacyRequestNode:
        context = info.context
        request = await resolve_request(
            context.actor,
            parse_id(input.id, "privacy request"),
            RequestStatus(input.status),
            input.resolution,
        )
        [node] = await request_nodes(context, [request])
        return node


@strawberry.type
class CancellationMutations:
    @strawberry.mutation(
        description="Cancel the signed-in account (needs the password): every session ends at "
        "once and the personal information is erased within 15 working days."
    )
    async def request_account_cancellation(self, info: Info, password: str) -> PrivacyRequestNode:
        context = info.context
        settings = context.runtime.settings
        request = await request_cancellation(
            context.actor,
            context.runtime.passwords,
            context.runtime.throttle,
            await context.account(),
            password,
            working_calendar(settings.calendar_folder),
        )
        context.clear_session_cookie()
        [node] = await request_nodes(context, [request])
        return node


@strawberry.type
class PrivacyPreferenceMutations:
    @strawberry.mutation(
        description="Turn Do Not Track on or off for oneself: it binds every viewer (P-DNT-1)."
    )
    async def set_do_not_track(self, info: Info, enabled: bool) -> PrivacyPreferences:
        context = info.context
        account = await set_do_not_track(context.actor, await context.account(), enabled)
        return privacy_preferences(account)
