"""Privacy requests as the API shows them: to the requester, and to the admins whose duty is to
answer them. What the person wrote, and the document answering an ACCESS request, pass the
consent engine like any personal field: read by an admin, the read is on record and the person
sees it in their access history (P-SEC-3, P-SEC-5, P-TRANSPARENCY-1)."""

import json
from datetime import date, datetime
from operator import attrgetter

import strawberry
from strawberry.scalars import JSON

from api.graphql.context import Info, RequestContext
from api.graphql.nodes import SubjectNode, subject_connection, subject_nodes
from api.graphql.pagination import Connection, Page
from api.graphql.personal import CATEGORY_KEY, personal, reveal
from api.privacy.requests import is_overdue
from models.personal import declaration_of
from models.privacy import DeletionGround, PrivacyRequest, RequestKind, RequestStatus
from plugins.subject import Subject

REQUEST_CURSOR = "privacy_request"

RequestKindEnum = strawberry.enum(RequestKind, name="PrivacyRequestKind")
RequestStatusEnum = strawberry.enum(RequestStatus, name="PrivacyRequestStatus")
DeletionGroundEnum = strawberry.enum(
    DeletionGround, name="DeletionGround", description="The policy's five grounds (P-DELETE-1)."
)


DOCUMENT_CATEGORY = declaration_of(PrivacyRequest)["document"].category
DOCUMENT = attrgetter("row.document")


@strawberry.type(name="PrivacyRequest")
class PrivacyRequestNode(SubjectNode):
    # The requester and the admins who answer; nobody else is ever given a request.

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

    details = personal(
        PrivacyRequest,
        "details",
        str,
        description="What the person wrote; unreadable once they are erased.",
    )

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
        description="A completed ACCESS request: the exportMyData document (requester only).",
        metadata={CATEGORY_KEY: DOCUMENT_CATEGORY},
    )
    def document(self, info: Info) -> JSON | None:
        text = reveal(
            info.context, info.path, self.subject, DOCUMENT_CATEGORY, DOCUMENT, self, None
        )
        return json.loads(text) if text is not None else None


def request_subject(row: PrivacyRequest) -> Subject:
    """A request is its requester's data (fetched with it, `requests.with_owner`)."""
    return Subject.of_account(row.account)


def request_node(row: PrivacyRequest, subject: Subject) -> PrivacyRequestNode:
    return PrivacyRequestNode(row=row, subject=subject)


async def request_nodes(
    context: RequestContext, rows: list[PrivacyRequest]
) -> list[PrivacyRequestNode]:
    return await subject_nodes(context, rows, request_subject, request_node)


async def request_connection(
    context: RequestContext, page: Page[PrivacyRequest]
) -> Connection[PrivacyRequestNode]:
    return await subject_connection(context, page, request_subject, request_node)
