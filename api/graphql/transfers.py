"""Admins record a transfer to a successor; only consenting people move (P-TRANSFER-1)."""

from datetime import datetime

import strawberry

from api.errors import not_found
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.privacy.transfer import record_transfer
from models.consent import Affiliate
from models.privacy import TransferOutcome, TransferReason, TransferSubject

TransferReasonEnum = strawberry.enum(TransferReason, name="TransferReason")


@strawberry.input
class RecordTransferInput:
    successor_id: strawberry.ID
    reason: TransferReasonEnum  # type: ignore[valid-type]
    reference: str = strawberry.field(description="The deal or court reference.")


@strawberry.type(name="Transfer")
class TransferNode(RowNode):
    successor_name: str
    moved: list[strawberry.ID] = strawberry.field(description="Accounts whose consent covers it.")
    needs_consent: list[strawberry.ID] = strawberry.field(description="Accounts to ask again.")

    @strawberry.field
    def reason(self) -> TransferReasonEnum:  # type: ignore[valid-type]
        return self.row.reason

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at


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
        subjects = await TransferSubject.filter(transfer_id=transfer.id).order_by("account_id")
        by_outcome: dict[str, list[strawberry.ID]] = {outcome: [] for outcome in TransferOutcome}
        for subject in subjects:
            by_outcome[subject.outcome].append(strawberry.ID(str(subject.account_id)))
        return TransferNode(
            row=transfer,
            successor_name=successor.name,
            moved=by_outcome[TransferOutcome.MOVED],
            needs_consent=by_outcome[TransferOutcome.NEEDS_CONSENT],
        )
