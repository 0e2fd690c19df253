"""Who accessed my data (P-TRANSPARENCY-1): every read by an API client or an admin, legal grants
included, and every hand-over of the data to a successor (P-TRANSFER-1), from the audit log; a
person's own reads are not listed."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api.audit.events import READ, TRANSFERRED
from models.audit import AuditEntry
from models.consent import Affiliate, ApiClient, LegalAccessGrant, LegalGround
from models.reservations import Reservation
from plugins.viewer import ViewerKind

ACCESSORS = (str(ViewerKind.API_CLIENT), str(ViewerKind.ADMIN))
# How people other than the person appear to them, in the access history and the export alike:
# staff by their role, never by account (P-TRANSPARENCY-1), recipients by name.
ADMIN_NAME = "admin"
SELF_NAME = "you"
SYSTEM_NAME = "consentql"
UNKNOWN_CLIENT = "API client"


class AccessorKind(StrEnum):
    API_CLIENT = "API_CLIENT"
    ADMIN = "ADMIN"
    # The data handed over in a transfer, under the person's consent.
    SUCCESSOR = "SUCCESSOR"


@dataclass
class Access:
    """One read of the person's data by someone else."""

    id: str
    at: datetime
    accessor_kind: AccessorKind
    accessor: str
    subject: str
    categories_clear: list[str]
    categories_masked: list[str]
    categories_blocked: list[str]
    basis: str
    legal_grounds: list[LegalGround]
    transfer_id: str | None


async def accesses_of(account_id: int) -> QuerySet[AuditEntry]:
    """Reads of the person's account and reservations by API clients and admins, and the
    transfers of their data to a successor."""
    own_ref = f"account:{account_id}"
    reservation_ids = await Reservation.filter(account_id=account_id).values_list("id", flat=True)
    refs = [own_ref, *(f"reservation:{rid}" for rid in reservation_ids)]
    reads = Q(subject_ref__in=refs, action=READ, viewer_kind__in=ACCESSORS) & ~Q(viewer_ref=own_ref)
    return AuditEntry.filter(reads | Q(subject_ref=own_ref, action=TRANSFERRED))


def ids_with_prefix(values: list[str], prefix: str) -> set[int]:
    return {int(value.removeprefix(prefix)) for value in values if value.startswith(prefix)}


@dataclass
class Names:
    """Names of the clients and grounds of the grants one page mentions, two queries per page."""

    clients: dict[int, str]
    grounds: dict[int, LegalGround]
    successors: dict[int, str]

    @classmethod
    async def of(cls, events: list[AuditEntry]) -> "Names":
        reads = [e for e in events if e.action == READ]
        client_ids = ids_with_prefix([e.viewer_ref for e in reads], "client:")
        parts = [part for e in reads for part in e.basis.split(",")]
        grant_ids = ids_with_prefix(parts, "legal:")
        successor_ids = {e.details["successor_id"] for e in events if e.action == TRANSFERRED}
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
        successors = (
            await Affiliate.filter(id__in=successor_ids).values_list("id", "name")
            if successor_ids
            else []
        )
        return cls(
            clients={c.id: f"{c.affiliate.name} / {c.name}" for c in clients},
            grounds={grant_id: LegalGround(ground) for grant_id, ground in grounds},
            successors=dict(successors),
        )

    def actor(self, row: AuditEntry, own_ref: str) -> str:
        """Who read or acted, as the person is told: themself, a recipient by name, staff by
        role, or the service itself."""
        if row.viewer_ref == own_ref:
            return SELF_NAME
        if row.viewer_kind == ViewerKind.API_CLIENT:
            client_id = int(row.viewer_ref.removeprefix("client:"))
            return self.clients.get(client_id, UNKNOWN_CLIENT)
        if row.viewer_kind == ViewerKind.ADMIN:
            return ADMIN_NAME
        return SYSTEM_NAME

    def access(self, row: AuditEntry, own_ref: str) -> Access:
        if row.action == TRANSFERRED:
            return self.transfer(row)
        by_client = row.viewer_kind == ViewerKind.API_CLIENT
        grants = sorted(ids_with_prefix(row.basis.split(","), "legal:"))
        return Access(
            id=str(row.id),
            at=row.created_at,
            accessor_kind=AccessorKind.API_CLIENT if by_client else AccessorKind.ADMIN,
            accessor=self.actor(row, own_ref),
            subject="account" if row.subject_ref == own_ref else row.subject_ref,
            categories_clear=list(row.categories_clear),
            categories_masked=list(row.categories_masked),
            categories_blocked=list(row.categories_blocked),
            basis=row.basis,
            legal_grounds=[self.grounds[g] for g in grants if g in self.grounds],
            transfer_id=None,
        )

    def transfer(self, row: AuditEntry) -> Access:
        """The person's data handed to a successor: what moved, under which consent."""
        return Access(
            id=str(row.id),
            at=row.created_at,
            accessor_kind=AccessorKind.SUCCESSOR,
            accessor=self.successors.get(row.details["successor_id"], "successor"),
            subject="account",
            categories_clear=list(row.categories_clear),
            categories_masked=[],
            categories_blocked=[],
            basis=row.basis,
            legal_grounds=[],
            transfer_id=str(row.details["transfer_id"]),
        )
