"""Security incidents (P-SEC-6): the five parts, the categories, the report to the regulator,
one notification per affected person and a public notice where telling each is impractical."""

from dataclasses import dataclass
from datetime import datetime

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.errors import invalid
from api.notices.notifications import NotificationSender, notify
from api.validation import text
from models.accounts import Account
from models.clock import utcnow
from models.privacy import Channel, Incident, NotificationTopic, PublicNotice
from plugins.categories import catalogue

FIVE_PARTS = ("what_happened", "possible_impact", "measures", "advice", "remedies")
MAX_PART = 4000


@dataclass(frozen=True)
class IncidentReport:
    title: str
    what_happened: str
    possible_impact: str
    measures: str
    advice: str
    remedies: str
    categories: list[str]
    occurred_at: datetime
    regulator_reported_at: datetime
    affected: list[int]
    channel: Channel
    individual_notice_practical: bool


def checked(report: IncidentReport) -> IncidentReport:
    """Every part present and in bounds; the caller checks the affected accounts exist."""
    parts = {name: text(getattr(report, name), name, max_length=MAX_PART) for name in FIVE_PARTS}
    if not report.categories:
        raise invalid("categories", "name the data categories involved")
    if unknown := sorted(set(report.categories) - set(catalogue())):
        raise invalid("categories", f"unknown data categories: {unknown}")
    now = utcnow()
    if report.occurred_at > now or report.regulator_reported_at > now:
        raise invalid("regulatorReportedAt", "an incident and its report are in the past")
    if not report.affected and report.individual_notice_practical:
        raise invalid("affected", "name the affected people, or publish a public notice")
    return IncidentReport(
        **{**report.__dict__, **parts, "title": text(report.title, "title", max_length=128)}
    )


def notice_body(report: IncidentReport) -> str:
    return "\n\n".join(getattr(report, name) for name in FIVE_PARTS)


async def record(report: IncidentReport, reported_by: int, sender: NotificationSender) -> Incident:
    """The incident, its notifications and any public notice; the caller holds the transaction."""
    affected = sorted(set(report.affected))
    if len(await Account.filter(id__in=affected)) != len(affected):
        raise invalid("affected", "an affected account does not exist")
    incident = await Incident.create(
        title=report.title,
        categories=sorted(set(report.categories)),
        occurred_at=report.occurred_at,
        regulator_reported_at=report.regulator_reported_at,
        reported_by_id=reported_by,
        created_at=utcnow(),
        **{name: getattr(report, name) for name in FIVE_PARTS},
    )
    await notify(
        sender,
        affected,
        topic=NotificationTopic.INCIDENT,
        channel=report.channel,
        title=report.title,
        body=notice_body(report),
        incident=incident,
    )
    if not report.individual_notice_practical:
        await PublicNotice.create(
            incident=incident, title=report.title, body=notice_body(report), published_at=utcnow()
        )
    return incident


async def report_incident(
    actor: Actor, report: IncidentReport, sender: NotificationSender
) -> Incident:
    """Admins: record an incident and tell those affected, in one transaction."""
    admin_id = actor.admin_id()
    valid = checked(report)
    async with in_transaction():
        return await record(valid, admin_id, sender)


def incidents_for_admin(actor: Actor) -> QuerySet[Incident]:
    actor.admin_id()
    return Incident.all()
