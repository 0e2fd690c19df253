"""The retention job (P-RETAIN-1, P-RETAIN-3, P-CANCEL-1).

Each table keeps its rows as long as the longest retention of the data categories it holds
(plugins/categories.json, with the legal source of each rule); after that a row is anonymized
irreversibly (values dropped, not hashed) or deleted. The job also finalizes every erasure owed
for a cancelled account.

Work goes person by person, each in one transaction with one audit event, and every step only
touches rows not yet done: the job can be interrupted at any point and run again.
"""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.audit.events import system_event
from api.privacy.cancellation import finalize, pending_cancellations
from models.accounts import DeviceLog, LoginRecord
from models.audit_chain import append_entries
from models.keys import DataKey
from models.orders import Order
from models.reservations import Reservation
from plugins.categories import catalogue

ANONYMIZED = "anonymized"
ERASURES = "erasures"


async def delete(rows: QuerySet) -> int:
    return await rows.delete()


async def anonymize_login_records(rows: QuerySet) -> int:
    return await rows.update(
        account_id=None, login_hash=ANONYMIZED, ip=None, device_phone_sealed=None
    )


async def anonymize_reservations(rows: QuerySet) -> int:
    """A reservation made without an account has a data key of its own: it is destroyed too."""
    own_keys = await rows.filter(account_id=None).values_list("data_key_id", flat=True)
    for key in await DataKey.filter(id__in=own_keys, wrapped__not_isnull=True):
        await key.destroy()
    return await rows.update(
        account_id=None,
        phone_sealed=None,
        email_sealed=None,
        name=ANONYMIZED,
        company=None,
        city=ANONYMIZED,
    )


async def unlink(rows: QuerySet) -> int:
    return await rows.update(account_id=None)


@dataclass(frozen=True)
class Rule:
    name: str
    model: type[Model]
    # The categories the rows hold; the longest retention among them applies.
    categories: tuple[str, ...]
    action: str
    # Rows this rule has not handled yet.
    pending: Q
    apply: Callable[[QuerySet], Awaitable[int]]

    @property
    def retention_days(self) -> int:
        days = [catalogue()[category].retention_days for category in self.categories]
        return max(day for day in days if day is not None)

    def expired(self, now: datetime) -> QuerySet:
        cutoff = now - timedelta(days=self.retention_days)
        return self.model.filter(self.pending, created_at__lt=cutoff)


LOGIN_RECORDS = Rule(
    "login_records",
    LoginRecord,
    ("activity.logins", "network.ip", "device.info"),
    "anonymize: drop account link, login hash, IP, device phone",
    ~Q(login_hash=ANONYMIZED),
    anonymize_login_records,
)
RESERVATIONS = Rule(
    "reservations",
    Reservation,
    ("activity.reservations",),
    "anonymize: drop contact, name, company, city",
    ~Q(name=ANONYMIZED),
    anonymize_reservations,
)
RULES = (
    LOGIN_RECORDS,
    Rule("device_logs", DeviceLog, ("device.id", "device.info"), "delete", Q(), delete),
    RESERVATIONS,
    Rule(
        "orders",
        Order,
        ("activity.orders",),
        "anonymize: drop the link to the person",
        Q(account_id__not_isnull=True),
        unlink,
    ),
)


@dataclass
class Summary:
    dry_run: bool
    # rule name (or ERASURES) -> rows (accounts) done, or due in a dry run
    counts: Counter[str] = field(default_factory=Counter)
    people: int = 0


@dataclass(frozen=True)
class Plan:
    cancelled: list[int]
    people: list[int]
    anonymous_reservations: list[int]

    @property
    def steps(self) -> int:
        return len(self.cancelled) + len(self.people) + len(self.anonymous_reservations) + 1


async def make_plan(now: datetime) -> Plan:
    people: set[int] = set()
    for rule in RULES:
        expired = rule.expired(now).filter(account_id__not_isnull=True)
        people |= set(await expired.distinct().values_list("account_id", flat=True))
    return Plan(
        cancelled=await pending_cancellations(),
        people=sorted(people),
        anonymous_reservations=await RESERVATIONS.expired(now)
        .filter(account_id=None)
        .order_by("id")
        .values_list("id", flat=True),
    )


async def preview(now: datetime, plan: Plan) -> Summary:
    """What a run would do, writing nothing."""
    summary = Summary(dry_run=True, people=len(set(plan.cancelled) | set(plan.people)))
    summary.people += len(plan.anonymous_reservations)
    summary.counts[ERASURES] = len(plan.cancelled)
    for rule in RULES:
        summary.counts[rule.name] = await rule.expired(now).count()
    return summary


async def retain(subject_ref: str, rows: dict[str, QuerySet], summary: Summary) -> None:
    """One person's (or one anonymous reservation's) expired rows, with one audit event."""
    async with in_transaction():
        done = {}
        for rule in RULES:
            if rule.name in rows and (count := await rule.apply(rows[rule.name])):
                done[rule.name] = count
        if done:
            await append_entries(
                [system_event(subject_ref, "RETENTION_APPLIED", "retention", done)]
            )
    summary.counts.update(done)
    summary.people += bool(done)


async def execute(now: datetime, plan: Plan, advance: Callable[[], None]) -> Summary:
    summary = Summary(dry_run=False)
    for account_id in plan.cancelled:
        if await finalize(account_id):
            summary.counts[ERASURES] += 1
            summary.people += 1
        advance()
    for account_id in plan.people:
        rows = {rule.name: rule.expired(now).filter(account_id=account_id) for rule in RULES}
        await retain(f"account:{account_id}", rows, summary)
        advance()
    for reservation_id in plan.anonymous_reservations:
        rows = {RESERVATIONS.name: RESERVATIONS.expired(now).filter(id=reservation_id)}
        await retain(f"reservation:{reservation_id}", rows, summary)
        advance()
    # Attempts with an unknown login belong to nobody: anonymized in one statement.
    unmatched = LOGIN_RECORDS.expired(now).filter(account_id=None)
    summary.counts[LOGIN_RECORDS.name] += await LOGIN_RECORDS.apply(unmatched)
    advance()
    return summary
