"""Admins report a security incident; the affected people are told (P-SEC-6)."""

from datetime import datetime

import strawberry
from tortoise.transactions import in_transaction

from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import RowNode
from api.graphql.notifications import ChannelEnum
from api.privacy.incidents import IncidentReport, checked, record
from api.privacy.notifications import load_sender
from models.privacy import Channel


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
    notified: int
    public_notice: bool

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def categories(self) -> list[str]:
        return self.row.categories

    @strawberry.field
    def regulator_reported_at(self) -> datetime:
        return self.row.regulator_reported_at


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
            incident, notified, public = await record(report, admin_id, sender)
        return IncidentNode(row=incident, notified=notified, public_notice=public)
