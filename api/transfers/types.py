"""Transfers to a successor as admins see them: who moved and who must be asked again."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.nodes import RowNode
from models.privacy import TransferOutcome, TransferReason

TRANSFER_CURSOR = "transfer"

TransferReasonEnum = strawberry.enum(TransferReason, name="TransferReason")


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
