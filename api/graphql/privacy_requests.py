"""Privacy requests: a person files and follows theirs, admins answer them (P-RIGHTS-3/4)."""

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.audit.events import record
from api.errors import invalid, not_found
from api.graphql.context import Info, RequestContext
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.pagination import Connection, connection, newest_first
from api.privacy.calendar import working_calendar
from api.privacy.requests import (
    MAX_DETAILS,
    check_ground,
    is_overdue,
    open_request,
    overdue_requests,
    request_details,
)
from api.privacy.resolution import checked_resolution, document_of, resolve
from api.validation import text
from models.privacy import DeletionGround, PrivacyRequest, RequestKind, RequestStatus
from plugins.viewer import ViewerKind

REQUEST_CURSOR = "privacy_request"

RequestKindEnum = strawberry.enum(RequestKind, name="PrivacyRequestKind")
RequestStatusEnum = strawberry.enum(RequestStatus, name="PrivacyRequestStatus")
DeletionGroundEnum = strawberry.enum(
    DeletionGround, name="DeletionGround", description="The policy's five grounds (P-DELETE-1)."
)


@strawberry.type(name="PrivacyRequest")
class PrivacyRequestNode(RowNode):
    # The requester and the admins who answer; nobody else is ever given a request.
    by_owner: strawberry.Private[bool]

    @strawberry.field(description="The requester's account id.")
    def account_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.account_id))

    @strawberry.field
    def kind(self) -> RequestKindEnum:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def status(self) -> RequestStatusEnum:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field
    def ground(self) -> DeletionGroundEnum | None:  # type: ignore[valid-type]
        return self.row.ground

    @strawberry.field(description="What the person wrote; unreadable once they are erased.")
    def details(self) -> str | None:
        return request_details(self.row, self.row.account)

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.row.submitted_at

    @strawberry.field(description="The last day (mainland China) on which the answer is on time.")
    def due_on(self) -> date:
        return self.row.due_on

    @strawberry.field
    def overdue(self) -> bool:
        return is_overdue(self.row)

    @strawberry.field
    def resolved_at(self) -> datetime | None:
        return self.row.resolved_at

    @strawberry.field(description="The answer; a rejection always gives its reason.")
    def resolution(self) -> str | None:
        return self.row.resolution

    @strawberry.field(
        description="A completed ACCESS request: the exportMyData document (requester only)."
    )
    def document(self) -> JSON | None:
        return document_of(self.row, self.row.account) if self.by_owner else None


def request_connection(
    context: RequestContext, rows: list[PrivacyRequest], first: int | None
) -> Connection[PrivacyRequestNode]:
    me = context.viewer.account_id
    return connection(
        rows,
        REQUEST_CURSOR,
        first,
        lambda row: PrivacyRequestNode(row=row, by_owner=row.account_id == me),
    )


def with_owner(query: QuerySet[PrivacyRequest]) -> QuerySet[PrivacyRequest]:
    return query.select_related("account__data_key")


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
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PrivacyRequestNode]:
        owner = await info.context.account()
        query = with_owner(PrivacyRequest.filter(account_id=owner.id))
        rows = await newest_first(query, REQUEST_CURSOR, first, after)
        return request_connection(info.context, rows, first)

    @strawberry.field(description="Admins: requests by status, or only those past their due date.")
    async def privacy_requests(
        self,
        info: Info,
        status: RequestStatusEnum | None = None,  # type: ignore[valid-type]
        overdue_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PrivacyRequestNode]:
        info.context.require_admin()
        query = overdue_requests() if overdue_only else PrivacyRequest.all()
        if status is not None:
            query = query.filter(status=status)
        rows = await newest_first(with_owner(query), REQUEST_CURSOR, first, after)
        return request_connection(info.context, rows, first)


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
        kind = RequestKind(input.kind)
        if kind is RequestKind.CANCEL_ACCOUNT:
            raise invalid("kind", "cancel the account with requestAccountCancellation")
        ground = DeletionGround(input.ground) if input.ground is not None else None
        check_ground(kind, ground)
        details = text(input.details or "", "details", max_length=MAX_DETAILS, required=False)
        calendar = working_calendar(context.services.settings.holiday_calendar_dir)
        async with in_transaction():
            request = await open_request(
                owner, kind, calendar, ground=ground, details=details or None
            )
            await record(
                context, f"account:{owner.id}", "PRIVACY_REQUEST_SUBMITTED", {"kind": str(kind)}
            )
        request.account = owner
        return PrivacyRequestNode(row=request, by_owner=True)

    @strawberry.mutation(description="Admins: move a request on, complete or reject it.")
    async def resolve_privacy_request(
        self, info: Info, input: ResolvePrivacyRequestInput
    ) -> PrivacyRequestNode:
        context = info.context
        admin_id = context.require_admin()
        request_id = parse_id(input.id, "privacy request")
        status = RequestStatus(input.status)
        resolution = checked_resolution(status, input.resolution)
        async with in_transaction():
            # Locked alone: PostgreSQL cannot lock the outer-joined side of select_related.
            request = await PrivacyRequest.filter(id=request_id).select_for_update().first()
            if request is None:
                raise not_found("privacy request")
            await request.fetch_related("account__data_key")
            await resolve(request, admin_id, status, resolution)
            await record(
                context,
                f"account:{request.account_id}",
                "PRIVACY_REQUEST_RESOLVED",
                {"status": str(status)},
            )
        return PrivacyRequestNode(row=request, by_owner=request.account_id == admin_id)
