"""Legal-access grants as the API shows them, with the state they are in (P-EXEMPT-1)."""

from datetime import datetime
from enum import StrEnum

import strawberry

from api.graphql.nodes import RowNode
from models.clock import utcnow
from models.consent import LegalGround

LegalGroundEnum = strawberry.enum(LegalGround, name="LegalGround")


@strawberry.enum
class GrantState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


@strawberry.type(name="LegalAccessGrant")
class LegalAccessGrantNode(RowNode):
    @strawberry.field
    def ground(self) -> LegalGroundEnum:  # type: ignore[valid-type]
        return self.row.ground

    @strawberry.field(description="The case number or other reference of the legal basis.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.subject_id))

    @strawberry.field
    def categories(self) -> list[str]:
        return list(self.row.categories)

    @strawberry.field
    def requested_by_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.requested_by_id))

    @strawberry.field
    def approved_by_id(self) -> strawberry.ID | None:
        approver = self.row.approved_by_id
        return strawberry.ID(str(approver)) if approver is not None else None

    @strawberry.field
    def requested_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def approved_at(self) -> datetime | None:
        return self.row.approved_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.row.revoked_at

    @strawberry.field
    def state(self) -> GrantState:
        row = self.row
        if row.revoked_at is not None:
            return GrantState.REVOKED
        if row.expires_at <= utcnow():
            return GrantState.EXPIRED
        return GrantState.APPROVED if row.approved_by_id is not None else GrantState.PENDING
