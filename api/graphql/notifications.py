"""What a person has been told (`myNotifications`), and the site's public notices."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.nodes import RowNode
from api.graphql.pagination import Connection, connection, newest_first
from models.privacy import Channel, DeliveryStatus, Notification, NotificationTopic, PublicNotice

NOTIFICATION_CURSOR = "notification"
NOTICE_CURSOR = "notice"

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

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


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


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="What the signed-in person has been told, newest first.")
    async def my_notifications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[NotificationNode]:
        owner = await info.context.account()
        query = Notification.filter(account_id=owner.id)
        rows = await newest_first(query, NOTIFICATION_CURSOR, first, after)
        return connection(rows, NOTIFICATION_CURSOR, first, lambda row: NotificationNode(row=row))

    @strawberry.field(description="Public notices of the site; anyone may read them.")
    async def public_notices(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[PublicNoticeNode]:
        rows = await newest_first(PublicNotice.all(), NOTICE_CURSOR, first, after)
        return connection(rows, NOTICE_CURSOR, first, lambda row: PublicNoticeNode(row=row))
