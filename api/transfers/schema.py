"""Admins record a transfer to a successor with its written commitment and list the transfers
recorded; each person affected sees their place in it and accepts or refuses (P-TRANSFER-1)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.pagination import Connection, PageRequest, connection, newest_first
from api.notices.notifications import load_sender
from api.notices.types import ChannelEnum
from api.transfers.answers import my_transfers, respond_to_transfer
from api.transfers.service import Commitment, TransferRecord, record_transfer, transfers_for_admin
from api.transfers.types import (
    TRANSFER_CURSOR,
    MyTransferNode,
    TransferNode,
    TransferReasonEnum,
)
from models.privacy import Channel, TransferReason


@strawberry.input(description="The successor's written commitment to be bound by the policy.")
class TransferCommitmentInput:
    signed_by: str = strawberry.field(description="Who signed it for the successor.")
    signed_at: datetime
    text: str = strawberry.field(description="The text signed; people asked read it.")
    digest: str | None = strawberry.field(
        default=None, description="SHA-256 of the text, hex: when given, it must match."
    )
    reference: str = strawberry.field(description="The document's own reference.")


@strawberry.input
class RecordTransferInput:
    successor_id: strawberry.ID
    reason: TransferReasonEnum  # type: ignore[valid-type]
    reference: str = strawberry.field(description="The deal or court reference.")
    categories: list[str] = strawberry.field(description="The data categories that move.")
    commitment: TransferCommitmentInput
    channel: ChannelEnum = strawberry.field(  # type: ignore[valid-type]
        default=Channel.EMAIL, description="How each person affected is told."
    )


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

    @strawberry.field(description="The transfers the signed-in person is part of, newest first.")
    async def my_transfers(self, info: Info) -> list[MyTransferNode]:
        return [MyTransferNode(row=row) for row in await my_transfers(info.context.actor)]


@strawberry.type
class TransferMutations:
    @strawberry.mutation(
        description="Admins: hand data to a successor (merger, acquisition...): people whose "
        "consent covers it move, everyone else is asked, everyone is told."
    )
    async def record_transfer(self, info: Info, input: RecordTransferInput) -> TransferNode:
        context = info.context
        commitment = input.commitment
        record = TransferRecord(
            successor_id=parse_id(input.successor_id, "affiliate"),
            reason=TransferReason(input.reason),
            reference=input.reference,
            categories=list(input.categories),
            commitment=Commitment(
                signed_by=commitment.signed_by,
                signed_at=commitment.signed_at,
                text=commitment.text,
                digest=commitment.digest,
                reference=commitment.reference,
            ),
            channel=Channel(input.channel),
        )
        sender = load_sender(context.runtime.settings.notification_sender)
        return TransferNode(row=await record_transfer(context.actor, record, sender))

    @strawberry.mutation(
        description="Accept or refuse a successor's request for your data; accepting consents "
        'to it for the purpose "transfer" over the transfer\'s categories.'
    )
    async def respond_to_transfer(
        self, info: Info, transfer_id: strawberry.ID, accept: bool
    ) -> MyTransferNode:
        row = await respond_to_transfer(
            info.context.actor, parse_id(transfer_id, "transfer"), accept
        )
        return MyTransferNode(row=row)
