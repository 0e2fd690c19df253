"""What a person has been told (`myNotifications`) and which of it they have read, and the
site's public notices."""

from datetime import datetime

import strawberry

from api.errors import invalid
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.pagination import MAX_PAGE_SIZE, Connection, connection, newest_first
from api.notices.notifications import mark_all_read, mark_read, notifications_of
from models.privacy import Channel, DeliveryStatus, NotificationTopic, PublicNotice

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

    @strawberry.field(description="When the person first marked it read; null while unread.")
    def read_at(self) -> datetime | None:
        return self.row.read_at


async def count_unread(account_id: int) -> int:
    return await notifications_of(account_id, unread_only=True).count()


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


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="What the signed-in person has been told, newest first.")
    async def my_notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[NotificationNode]:
        owner = await info.context.account()
        query = notifications_of(owner.id, unread_only=unread_only)
        rows = await newest_first(query, NOTIFICATION_CURSOR, first, after)
        return connection(rows, NOTIFICATION_CURSOR, first, lambda row: NotificationNode(row=row))

    @strawberry.field(description="How many of the signed-in person's notifications are unread.")
    async def my_unread_notification_count(self, info: Info) -> int:
        return await count_unread((await info.context.account()).id)

    @strawberry.field(description="Public notices of the site; anyone may read them.")
    async def public_notices(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[PublicNoticeNode]:
        rows = await newest_first(PublicNotice.all(), NOTICE_CURSOR, first, after)
        return connection(rows, NOTICE_CURSOR, first, lambda row: PublicNoticeNode(row=row))


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description="Mark some of my notifications read; one read already keeps its first readAt."
    )
    async def mark_notifications_read(
        self, info: Info, ids: list[strawberry.ID]
    ) -> MarkedNotifications:
        owner = await info.context.account()
        rows = await mark_read(owner.id, notification_ids(ids))
        return MarkedNotifications(
            account_id=owner.id, notifications=[NotificationNode(row=row) for row in rows]
        )

    @strawberry.mutation(description="Mark all my notifications read; how many were unread.")
    async def mark_all_notifications_read(self, info: Info) -> int:
        owner = await info.context.account()
        return await mark_all_read(owner.id)
