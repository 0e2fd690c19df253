"""What people are told, as the API shows it: notifications with their read state, public
notices, and the incidents admins reported (P-SEC-6, P-UPDATE-1)."""

from datetime import datetime

import strawberry

from api.errors import invalid
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.pagination import MAX_PAGE_SIZE
from api.notices.notifications import count_unread
from api.transfers.types import MyTransferNode
from models.privacy import Channel, DeliveryStatus, NotificationTopic

NOTIFICATION_CURSOR = "notification"
NOTICE_CURSOR = "notice"
INCIDENT_CURSOR = "incident"

ChannelEnum = strawberry.enum(Channel, name="NotificationChannel")
DeliveryStatusEnum = strawberry.enum(DeliveryStatus, name="DeliveryStatus")
TopicEnum = strawberry.enum(NotificationTopic, name="NotificationTopic")


@strawberry.type(name="Notification")
class NotificationNode(RowNode):
    @strawberry.field
    def topic(self) -> TopicEnum:  # type: ignore[valid-type]
        return self.row.topic

    @strawberry.field
    def channel(self) -> ChannelEnum:  # type: ignore[valid-type]
        return self.row.channel

    @strawberry.field
    def status(self) -> DeliveryStatusEnum:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field(
        description="Why it was not sent, when its status is FAILED: RECIPIENT_ERASED, "
        "NO_ADDRESS, or the mail server's or SMS gateway's refusal."
    )
    def failure_reason(self) -> str | None:
        return self.row.failure_reason

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the person first marked it read; null while unread.")
    def read_at(self) -> datetime | None:
        return self.row.read_at

    @strawberry.field(
        description="The transfer it tells of (topics TRANSFER and TRANSFER_CONSENT): answer "
        "with respondToTransfer."
    )
    async def transfer(self, info: Info) -> MyTransferNode | None:
        if self.row.transfer_id is None:
            return None
        key = (self.row.account_id, self.row.transfer_id)
        row = await info.context.loaders.own_transfers.load(key)
        return MyTransferNode(row=row) if row is not None else None


@strawberry.type
class MarkedNotifications:
    account_id: strawberry.Private[int]
    notifications: list[NotificationNode] = strawberry.field(
        description="The notifications named, newest first, now read."
    )

    @strawberry.field(description="How many of my notifications are still unread.")
    async def unread_count(self) -> int:
        return await count_unread(self.account_id)


def notification_ids(values: list[strawberry.ID]) -> list[int]:
    if not values:
        raise invalid("ids", "name at least one notification")
    # As many as one page of myNotifications shows: what an app marks read at once.
    if len(values) > MAX_PAGE_SIZE:
        raise invalid("ids", f"mark at most {MAX_PAGE_SIZE} notifications at a time")
    return sorted({parse_id(value, "notification") for value in values})


@strawberry.type(name="PublicNotice")
class PublicNoticeNode(RowNode):
    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field
    def published_at(self) -> datetime:
        return self.row.published_at

    @strawberry.field(description="The policy version it announces, if any.")
    def policy_version(self) -> str | None:
        # Fetched with the notice (select_related).
        announced = self.row.policy_version
        return announced.version if announced is not None else None


@strawberry.type(name="Incident")
class IncidentNode(RowNode):
    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def what_happened(self) -> str:
        return self.row.what_happened

    @strawberry.field
    def possible_impact(self) -> str:
        return self.row.possible_impact

    @strawberry.field(description="Measures taken or planned.")
    def measures(self) -> str:
        return self.row.measures

    @strawberry.field(description="Advice for people to protect themselves.")
    def advice(self) -> str:
        return self.row.advice

    @strawberry.field
    def remedies(self) -> str:
        return self.row.remedies

    @strawberry.field
    def categories(self) -> list[str]:
        return self.row.categories

    @strawberry.field
    def occurred_at(self) -> datetime:
        return self.row.occurred_at

    @strawberry.field
    def regulator_reported_at(self) -> datetime:
        return self.row.regulator_reported_at

    @strawberry.field(description="When an admin reported it here and those affected were told.")
    def reported_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="The admin who reported it.")
    def reported_by_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.reported_by_id))

    @strawberry.field(description="People sent a notification of it.")
    async def notified(self, info: Info) -> int:
        return await info.context.loaders.incident_notified.load(self.row.id)

    @strawberry.field(description="Whether a public notice was published as well.")
    async def public_notice(self, info: Info) -> bool:
        return await info.context.loaders.incident_public_notices.load(self.row.id) > 0
