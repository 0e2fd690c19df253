"""What a person has been told and which of it they have read, the site's public notices, and
security incidents reported by admins with everyone affected told (P-SEC-6)."""

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.pagination import Connection, PageRequest, connection, newest_first
from api.notices.incidents import IncidentReport, incidents_for_admin, report_incident
from api.notices.notifications import (
    count_unread,
    load_sender,
    mark_all_read,
    mark_read,
    notifications_of,
)
from api.notices.types import (
    INCIDENT_CURSOR,
    NOTICE_CURSOR,
    NOTIFICATION_CURSOR,
    ChannelEnum,
    IncidentNode,
    MarkedNotifications,
    NotificationNode,
    PublicNoticeNode,
    notification_ids,
)
from models.privacy import Channel, PublicNotice


@strawberry.input
class ReportIncidentInput:
    title: str
    what_happened: str
    possible_impact: str
    measures: str = strawberry.field(description="Measures taken or planned.")
    advice: str = strawberry.field(description="Advice for people to protect themselves.")
    remedies: str
    categories: list[str]
    occurred_at: datetime
    regulator_reported_at: datetime
    affected: list[strawberry.ID] = strawberry.field(description="Affected accounts.")
    channel: ChannelEnum  # type: ignore[valid-type]
    individual_notice_practical: bool = strawberry.field(
        default=True, description="False: a public notice is published as well."
    )


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="What the signed-in person has been told, newest first.")
    async def my_notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        unread_only: bool = False,
    ) -> Connection[NotificationNode]:
        owner = await info.context.account()
        query = notifications_of(owner.id, unread_only=unread_only)
        request = PageRequest.of(NOTIFICATION_CURSOR, first, after, last, before)
        page = await newest_first(query, request)
        return connection(page, lambda row: NotificationNode(row=row))

    @strawberry.field(description="How many of the signed-in person's notifications are unread.")
    async def my_unread_notification_count(self, info: Info) -> int:
        return await count_unread((await info.context.account()).id)

    @strawberry.field(description="Public notices of the site; anyone may read them.")
    async def public_notices(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PublicNoticeNode]:
        request = PageRequest.of(NOTICE_CURSOR, first, after, last, before)
        query = PublicNotice.all().select_related("policy_version")
        page = await newest_first(query, request)
        return connection(page, lambda row: PublicNoticeNode(row=row))


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


@strawberry.type
class IncidentQueries:
    @strawberry.field(description="Admins: recorded incidents, newest first.")
    async def incidents(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[IncidentNode]:
        query = incidents_for_admin(info.context.actor)
        request = PageRequest.of(INCIDENT_CURSOR, first, after, last, before)
        page = await newest_first(query, request)
        return connection(page, lambda row: IncidentNode(row=row))


@strawberry.type
class IncidentMutations:
    @strawberry.mutation(description="Admins: record an incident and notify those affected.")
    async def report_incident(self, info: Info, input: ReportIncidentInput) -> IncidentNode:
        context = info.context
        report = IncidentReport(
            title=input.title,
            what_happened=input.what_happened,
            possible_impact=input.possible_impact,
            measures=input.measures,
            advice=input.advice,
            remedies=input.remedies,
            categories=list(input.categories),
            occurred_at=input.occurred_at,
            regulator_reported_at=input.regulator_reported_at,
            affected=[parse_id(value, "account") for value in input.affected],
            channel=Channel(input.channel),
            individual_notice_practical=input.individual_notice_practical,
        )
        sender = load_sender(context.runtime.settings.notification_sender)
        return IncidentNode(row=await report_incident(context.actor, report, sender))
