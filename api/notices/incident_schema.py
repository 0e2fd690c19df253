"""Admins report a security incident, the affected people are told, and admins list what was
reported (P-SEC-6)."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.pagination import Connection, connection, newest_first
from api.notices.incidents import IncidentReport, checked, record
from api.notices.notifications import load_sender
from api.notices.schema import ChannelEnum
from models.privacy import Channel, Incident

INCIDENT_CURSOR = "incident"


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


@strawberry.type
class IncidentQueries:
    @strawberry.field(description="Admins: recorded incidents, newest first.")
    async def incidents(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[IncidentNode]:
        info.context.require_admin()
        rows = await newest_first(Incident.all(), INCIDENT_CURSOR, first, after)
        return connection(rows, INCIDENT_CURSOR, first, lambda row: IncidentNode(row=row))


@strawberry.type
class IncidentMutations:
    @strawberry.mutation(description="Admins: record an incident and notify those affected.")
    async def report_incident(self, info: Info, input: ReportIncidentInput) -> IncidentNode:
        context = info.context
        admin_id = context.require_admin()
        report = checked(
            IncidentReport(
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
        )
        sender = load_sender(context.services.settings.notification_sender)
        async with in_transaction():
            incident = await record(report, admin_id, sender)
        return IncidentNode(row=incident)
