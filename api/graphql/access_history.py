"""Who accessed my data (P-TRANSPARENCY-1): every read by an API client or an admin, legal grants
included, from the audit log; a person's own reads are not listed."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import strawberry

from api.graphql.context import Info
from api.graphql.legal_access import LegalGroundEnum
from api.graphql.pagination import Connection, connection, newest_first
from models.audit import AuditEntry
from models.consent import ApiClient, LegalAccessGrant, LegalGround
from models.reservations import Reservation
from plugins.viewer import ViewerKind

ACCESS_CURSOR = "access"
ACCESSORS = (str(ViewerKind.API_CLIENT), str(ViewerKind.ADMIN))
ADMIN_NAME = "admin"


@strawberry.enum
class AccessorKind(StrEnum):
    API_CLIENT = "API_CLIENT"
    ADMIN = "ADMIN"


@strawberry.type
class AccessEvent:
    id: strawberry.ID
    at: datetime
    accessor_kind: AccessorKind
    accessor: str = strawberry.field(
        description='The recipient and its client ("翼支付 / 客服工单系统"), or "admin".'
    )
    subject: str = strawberry.field(description='Whose record: "account" or "reservation:<id>".')
    categories_clear: list[str]
    categories_masked: list[str]
    categories_blocked: list[str]
    basis: str = strawberry.field(
        description='What permitted the clear ones: "consent:<id>", "legal:<id>", or "none".'
    )
    legal_grounds: list[LegalGroundEnum]  # type: ignore[valid-type]


def ids_with_prefix(values: list[str], prefix: str) -> set[int]:
    return {int(value.removeprefix(prefix)) for value in values if value.startswith(prefix)}


@dataclass
class Names:
    """Names of the clients and grounds of the grants one page mentions, two queries per page."""

    clients: dict[int, str]
    grounds: dict[int, LegalGround]

    @classmethod
    async def of(cls, events: list[AuditEntry]) -> "Names":
        client_ids = ids_with_prefix([e.viewer_ref for e in events], "client:")
        parts = [part for e in events for part in e.basis.split(",")]
        grant_ids = ids_with_prefix(parts, "legal:")
        clients = (
            await ApiClient.filter(id__in=client_ids).select_related("affiliate")
            if client_ids
            else []
        )
        grounds = (
            await LegalAccessGrant.filter(id__in=grant_ids).values_list("id", "ground")
            if grant_ids
            else []
        )
        return cls(
            clients={c.id: f"{c.affiliate.name} / {c.name}" for c in clients},
            grounds={grant_id: LegalGround(ground) for grant_id, ground in grounds},
        )

    def event(self, row: AuditEntry, own_ref: str) -> AccessEvent:
        by_client = row.viewer_kind == ViewerKind.API_CLIENT
        client_id = int(row.viewer_ref.removeprefix("client:")) if by_client else None
        grants = sorted(ids_with_prefix(row.basis.split(","), "legal:"))
        return AccessEvent(
            id=strawberry.ID(str(row.id)),
            at=row.created_at,
            accessor_kind=AccessorKind.API_CLIENT if by_client else AccessorKind.ADMIN,
            accessor=self.clients.get(client_id, "API client") if client_id else ADMIN_NAME,
            subject="account" if row.subject_ref == own_ref else row.subject_ref,
            categories_clear=list(row.categories_clear),
            categories_masked=list(row.categories_masked),
            categories_blocked=list(row.categories_blocked),
            basis=row.basis,
            legal_grounds=[self.grounds[g] for g in grants if g in self.grounds],
        )


@strawberry.type
class AccessHistoryQueries:
    @strawberry.field(description="Reads of my data by API clients and admins, newest first.")
    async def my_access_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AccessEvent]:
        context = info.context
        account_id = context.account_id
        own_ref = f"account:{account_id}"
        reservation_ids = await Reservation.filter(account_id=account_id).values_list(
            "id", flat=True
        )
        refs = [own_ref, *(f"reservation:{rid}" for rid in reservation_ids)]
        query = AuditEntry.filter(
            subject_ref__in=refs, action="READ", viewer_kind__in=ACCESSORS
        ).exclude(viewer_ref=own_ref)
        rows = await newest_first(query, ACCESS_CURSOR, first, after)
        names = await Names.of(rows)
        return connection(rows, ACCESS_CURSOR, first, lambda row: names.event(row, own_ref))
