"""Admins record a transfer to a successor, where only consenting people move, and list the
transfers recorded (P-TRANSFER-1)."""

from datetime import datetime

import strawberry

from api.errors import not_found
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.pagination import Connection, connection, newest_first
from api.transfers.service import record_transfer
from models.consent import Affiliate
from models.privacy import Transfer, TransferOutcome, TransferReason

TRANSFER_CURSOR = "transfer"

TransferReasonEnum = strawberry.enum(TransferReason, name="TransferReason")


@strawberry.input
class RecordTransferInput:
    successor_id: strawberry.ID
    reason: TransferReasonEnum  # type: ignore[valid-type]
    reference: str = strawberry.field(description="The deal or court reference.")


def account_ids(values: list[int]) -> list[strawberry.ID]:
    return [strawberry.ID(str(value)) for value in values]


@strawberry.type(name="Transfer")
class TransferNode(RowNode):
    @strawberry.field
    def successor_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.successor_id))

    @strawberry.field
    def successor_name(self) -> str:
        return self.row.successor.name

    @strawberry.field
    def reason(self) -> TransferReasonEnum:  # type: ignore[valid-type]
        return self.row.reason

    @strawberry.field(description="The deal or court reference.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at

    @strawberry.field(description="The admin who recorded it.")
    def recorded_by_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.recorded_by_id))

    @strawberry.field(description="How many people's consent covers it.")
    async def moved_count(self, info: Info) -> int:
        counts = await info.context.loaders.transfer_counts.load(self.row.id)
        return counts[TransferOutcome.MOVED]

    @strawberry.field(description="How many people must be asked again.")
    async def needs_consent_count(self, info: Info) -> int:
        counts = await info.context.loaders.transfer_counts.load(self.row.id)
        return counts[TransferOutcome.NEEDS_CONSENT]

    @strawberry.field(description="Accounts whose consent covers it.")
    async def moved(self, info: Info) -> list[strawberry.ID]:
        outcomes = await info.context.loaders.transfer_outcomes.load(self.row.id)
        return account_ids(outcomes[TransferOutcome.MOVED])

    @strawberry.field(description="Accounts to ask again.")
    async def needs_consent(self, info: Info) -> list[strawberry.ID]:
        outcomes = await info.context.loaders.transfer_outcomes.load(self.row.id)
        return account_ids(outcomes[TransferOutcome.NEEDS_CONSENT])


@strawberry.type
class TransferQueries:
    @strawberry.field(description="Admins: recorded transfers, newest first.")
    async def transfers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[TransferNode]:
        info.context.require_admin()
        query = Transfer.all().select_related("successor")
        rows = await newest_first(query, TRANSFER_CURSOR, first, after)
        return connection(rows, TRANSFER_CURSOR, first, lambda row: TransferNode(row=row))


@strawberry.type
class TransferMutations:
    @strawberry.mutation(description="Admins: hand data to a successor (merger, acquisition...).")
    async def record_transfer(self, info: Info, input: RecordTransferInput) -> TransferNode:
        admin_id = info.context.require_admin()
        successor = await Affiliate.filter(id=parse_id(input.successor_id, "affiliate")).first()
        if successor is None:
            raise not_found("affiliate")
        transfer = await record_transfer(
            successor, TransferReason(input.reason), input.reference, admin_id
        )
        return TransferNode(row=transfer)
