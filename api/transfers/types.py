"""Transfers to a successor: as admins see them (who moved, who was asked, who refused) and as
the person sees their own place in one."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.nodes import RowNode
from models.privacy import Transfer, TransferOutcome, TransferReason, TransferSubject

TRANSFER_CURSOR = "transfer"

TransferReasonEnum = strawberry.enum(TransferReason, name="TransferReason")
TransferOutcomeEnum = strawberry.enum(TransferOutcome, name="TransferOutcome")


def account_ids(values: list[int]) -> list[strawberry.ID]:
    return [strawberry.ID(str(value)) for value in values]


@strawberry.type(description="The successor's written commitment to be bound by the policy.")
class TransferCommitment:
    row: strawberry.Private[Transfer]

    @strawberry.field(description="Who signed it for the successor.")
    def signed_by(self) -> str:
        return self.row.commitment_signed_by

    @strawberry.field
    def signed_at(self) -> datetime:
        return self.row.commitment_signed_at

    @strawberry.field(description="The document's own reference.")
    def reference(self) -> str:
        return self.row.commitment_reference

    @strawberry.field(description="SHA-256 of the text, hex.")
    def digest(self) -> str:
        return self.row.commitment_digest

    @strawberry.field
    def text(self) -> str:
        return self.row.commitment_text


def commitment_of(transfer: Transfer) -> TransferCommitment | None:
    return TransferCommitment(row=transfer) if transfer.commitment_digest is not None else None


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

    @strawberry.field(description="The data categories that move.")
    def categories(self) -> list[str]:
        return list(self.row.categories or ())

    @strawberry.field(description="Null only for a transfer recorded before commitments were kept.")
    def commitment(self) -> TransferCommitment | None:
        return commitment_of(self.row)

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at

    @strawberry.field(description="The admin who recorded it.")
    def recorded_by_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.recorded_by_id))

    @strawberry.field(description="How many people moved under their consent.")
    async def moved_count(self, info: Info) -> int:
        counts = await info.context.loaders.transfer_counts.load(self.row.id)
        return counts[TransferOutcome.MOVED]

    @strawberry.field(description="How many people were asked and have not answered.")
    async def needs_consent_count(self, info: Info) -> int:
        counts = await info.context.loaders.transfer_counts.load(self.row.id)
        return counts[TransferOutcome.NEEDS_CONSENT]

    @strawberry.field(description="How many people refused.")
    async def refused_count(self, info: Info) -> int:
        counts = await info.context.loaders.transfer_counts.load(self.row.id)
        return counts[TransferOutcome.REFUSED]

    @strawberry.field(description="Accounts that moved under their consent.")
    async def moved(self, info: Info) -> list[strawberry.ID]:
        outcomes = await info.context.loaders.transfer_outcomes.load(self.row.id)
        return account_ids(outcomes[TransferOutcome.MOVED])

    @strawberry.field(description="Accounts asked, not answered yet.")
    async def needs_consent(self, info: Info) -> list[strawberry.ID]:
        outcomes = await info.context.loaders.transfer_outcomes.load(self.row.id)
        return account_ids(outcomes[TransferOutcome.NEEDS_CONSENT])

    @strawberry.field(description="Accounts that refused.")
    async def refused(self, info: Info) -> list[strawberry.ID]:
        outcomes = await info.context.loaders.transfer_outcomes.load(self.row.id)
        return account_ids(outcomes[TransferOutcome.REFUSED])


@strawberry.type(name="MyTransfer", description="The signed-in person's place in a transfer.")
class MyTransferNode:
    row: strawberry.Private[TransferSubject]

    @strawberry.field(description="What respondToTransfer takes.")
    def transfer_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.transfer_id))

    @strawberry.field
    def successor_name(self) -> str:
        return self.row.transfer.successor.name

    @strawberry.field
    def reason(self) -> TransferReasonEnum:  # type: ignore[valid-type]
        return self.row.transfer.reason

    @strawberry.field(description="The deal or court reference.")
    def reference(self) -> str:
        return self.row.transfer.reference

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.transfer.recorded_at

    @strawberry.field(description="The data categories that move if the person consents.")
    def categories(self) -> list[str]:
        return list(self.row.transfer.categories or ())

    @strawberry.field
    def commitment(self) -> TransferCommitment | None:
        return commitment_of(self.row.transfer)

    @strawberry.field(
        description="MOVED: under your consent; NEEDS_CONSENT: asked, nothing moved; REFUSED."
    )
    def outcome(self) -> TransferOutcomeEnum:  # type: ignore[valid-type]
        return self.row.outcome

    @strawberry.field(description="When you accepted or refused; null if you were not asked.")
    def responded_at(self) -> datetime | None:
        return self.row.responded_at

    @strawberry.field(description="The consent the move rests on; null while nothing moved.")
    def consent_id(self) -> strawberry.ID | None:
        consent_id = self.row.consent_id
        return strawberry.ID(str(consent_id)) if consent_id is not None else None
