"""Admins record a transfer to a successor, where only consenting people move, and list the
transfers recorded (P-TRANSFER-1)."""

import strawberry

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.pagination import Connection, PageRequest, connection, newest_first
from api.transfers.service import record_transfer, transfers_for_admin
from api.transfers.types import TRANSFER_CURSOR, TransferNode, TransferReasonEnum
from models.privacy import TransferReason


@strawberry.input
class RecordTransferInput:
    successor_id: strawberry.ID
    reason: TransferReasonEnum  # type: ignore[valid-type]
    reference: str = strawberry.field(description="The deal or court reference.")


@strawberry.type
class TransferQueries:
    @strawberry.field(description="Admins: recorded transfers, newest first.")
    async def transfers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TransferNode]:
        query = transfers_for_admin(info.context.actor)
        page = await newest_first(
            query, PageRequest.of(TRANSFER_CURSOR, first, after, last, before)
        )
        return connection(page, lambda row: TransferNode(row=row))


@strawberry.type
class TransferMutations:
    @strawberry.mutation(description="Admins: hand data to a successor (merger, acquisition...).")
    async def record_transfer(self, info: Info, input: RecordTransferInput) -> TransferNode:
        transfer = await record_transfer(
            info.context.actor,
            parse_id(input.successor_id, "affiliate"),
            TransferReason(input.reason),
            input.reference,
        )
        return TransferNode(row=transfer)
