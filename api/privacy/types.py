"""Privacy requests as the API shows them: to the requester, and to the admins who answer."""

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from api.graphql.context import RequestContext
from api.graphql.nodes import RowNode
from api.graphql.pagination import Connection, Page, connection
from api.privacy.requests import is_overdue, request_details
from api.privacy.resolution import document_of
from models.privacy import DeletionGround, PrivacyRequest, RequestKind, RequestStatus

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


def request_node(row: PrivacyRequest, viewer_id: int | None) -> PrivacyRequestNode:
    return PrivacyRequestNode(row=row, by_owner=row.account_id == viewer_id)


def request_connection(
    context: RequestContext, page: Page[PrivacyRequest]
) -> Connection[PrivacyRequestNode]:
    me = context.viewer.account_id
    return connection(page, lambda row: request_node(row, me))
