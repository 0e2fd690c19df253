"""A read of the person's data by someone else, as `myAccessHistory` shows it."""

import strawberry

from api.audit.history import Access, AccessorKind
from api.legal_access.types import LegalGroundEnum

AccessorKindEnum = strawberry.enum(AccessorKind, name="AccessorKind")


@strawberry.type
class AccessEvent(Access):
    id: strawberry.ID
    accessor_kind: AccessorKindEnum  # type: ignore[valid-type]
    accessor: str = strawberry.field(
        description='The recipient and its client ("翼支付 / 客服工单系统"), "admin", or the '
        "successor a transfer handed the data to."
    )
    subject: str = strawberry.field(description='Whose record: "account" or "reservation:<id>".')
    categories_clear: list[str] = strawberry.field(
        description="Shown in clear; for a transfer, the categories handed over."
    )
    basis: str = strawberry.field(
        description='What permitted the clear ones: "consent:<id>", "legal:<id>", or "none".'
    )
    legal_grounds: list[LegalGroundEnum]  # type: ignore[valid-type]
    transfer_id: strawberry.ID | None = strawberry.field(
        description="For accessorKind SUCCESSOR: the transfer (see myTransfers); else null."
    )
