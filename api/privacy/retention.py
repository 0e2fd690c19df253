"""The retention job (P-RETAIN-1, P-RETAIN-3, P-CANCEL-1).

Each table keeps its rows as long as the longest retention of the data categories it holds
(plugins/categories.json, with the legal source of each rule); after that each personal column is
anonymized irreversibly (values dropped, not hashed) or the row deleted, as the column's
declaration says (`models.personal`): the rules are derived, so a new personal column is retained
as declared without a change here. The job also finalizes the erasure of every cancelled account
due by today (api/privacy/cancellation.py says why not sooner).

Work goes person by person, each in one transaction with one audit event, and every step only
touches rows not yet done: the job can be interrupted at any point and run again.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, partial

from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.accounts.phone_codes import expired_codes, sweep_expired
from api.audit.events import system_event
from api.privacy.calendar import china_date
from api.privacy.cancellation import due_cancellations, finalize
from api.privacy.jobs import attempt
from models.audit_chain import append_entries
from models.keys import DataKey
from models.personal import (
    ANONYMIZED,
    PersonalData,
    RowAction,
    collection_name,
    declared,
    retention_changes,
    retention_pending,
)
from plugins.categories import catalogue

ERASURES = "erasures"
# One-time codes past their ten minutes (api.accounts.phone_codes): each request for a code sweeps
# them too; this run does when nobody asks for one.
PHONE_CODES = "phone_codes"
__all__ = [
    "ANONYMIZED",
    "ERASURES",
    "PHONE_CODES",
    "Rule",
    "execute",
    "make_plan",
    "preview",
    "rules",
]


@dataclass(frozen=True, eq=False)
class Rule:
    """What retention does to one table's rows, derived from its declaration."""

    declaration: PersonalData
    retention_days: int

    @property
    def model(self) -> type[Model]:
        assert self.declaration.model is not None
        return self.declaration.model

    @property
    def name(self) -> str:
        return collection_name(self.model)

    @property
    def owner(self) -> str:
        return self.declaration.owner

    @property
    def action(self) -> str:
        if self.declaration.on_retention is RowAction.DELETE:
            return "delete"
        changed = ", ".join(retention_changes(self.declaration))
        return f"anonymize: {changed}"

    @property
    def own_keys(self) -> bool:
        """Rows without a person that hold a data key of their own (a reservation made without
        an account): each is a subject of its own, and its key is destroyed too."""
        return "data_key" in self.model._meta.fk_fields

    def expired(self, now: datetime) -> QuerySet:
        cutoff = now - timedelta(days=self.retention_days)
        return self.model.filter(
            retention_pending(self.declaration),
            **{f"{self.declaration.retention_from}__lt": cutoff},
        )

    async def apply(self, rows: QuerySet) -> int:
        if self.declaration.on_retention is RowAction.DELETE:
            return int(await rows.delete())
        if self.own_keys:
            keys = await rows.filter(**{self.owner: None}).values_list("data_key_id", flat=True)
            for key in await DataKey.filter(id__in=keys, wrapped__not_isnull=True):
                await key.destroy()
        return int(await rows.update(**retention_changes(self.declaration)))


@cache
def rules() -> tuple[Rule, ...]:
    """A rule for every table whose rows the job changes, kept as long as the longest retention
    among the categories it holds."""
    rules = []
    for declaration in declared():
        acts = declaration.on_retention is RowAction.DELETE or retention_changes(declaration)
        days = [catalogue()[category].retention_days for category in declaration.categories]
        known = [day for day in days if day is not None]
        if acts and known:
            rules.append(Rule(declaration, max(known)))
    return tuple(rules)


@dataclass
class Summary:
    dry_run: bool
    # rule name (or ERASURES) -> rows (accounts) done, or due in a dry run
    counts: Counter[str] = field(default_factory=Counter)
    people: int = 0
    # Items skipped after an error (account:12, reservation:3), for a person to look at.
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    cancelled: list[int]
    people: list[int]
    # (rule, row id) of rows of nobody that hold a data key of their own.
    own_subjects: list[tuple[Rule, int]]

    @property
    def steps(self) -> int:
        return len(self.cancelled) + len(self.people) + len(self.own_subjects) + 1


async def make_plan(now: datetime) -> Plan:
    people: set[int] = set()
    own_subjects: list[tuple[Rule, int]] = []
    for rule in rules():
        if not rule.owner:
            continue
        expired = rule.expired(now).filter(**{f"{rule.owner}__not_isnull": True})
        people |= set(await expired.distinct().values_list(rule.owner, flat=True))
        if rule.own_keys:
            unowned = rule.expired(now).filter(**{rule.owner: None}).order_by("id")
            own_subjects += [
                (rule, row_id) for row_id in await unowned.values_list("id", flat=True)
            ]
    return Plan(
        cancelled=await due_cancellations(china_date(now)),
        people=sorted(people),
        own_subjects=own_subjects,
    )


async def preview(now: datetime, plan: Plan) -> Summary:
    """What a run would do, writing nothing."""
    summary = Summary(dry_run=True, people=len(set(plan.cancelled) | set(plan.people)))
    summary.people += len(plan.own_subjects)
    summary.counts[ERASURES] = len(plan.cancelled)
    summary.counts[PHONE_CODES] = await expired_codes(now).count()
    for rule in rules():
        summary.counts[rule.name] = await rule.expired(now).count()
    return summary


async def retain(subject_ref: str, rows: dict[Rule, QuerySet], summary: Summary) -> None:
    """One person's (or one row of nobody's) expired rows, with one audit event."""
    async with in_transaction():
        done = {}
        for rule, expired in rows.items():
            if count := await rule.apply(expired):
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
        if await attempt(f"account:{account_id}", summary.failed, partial(finalize, account_id)):
            summary.counts[ERASURES] += 1
            summary.people += 1
        advance()
    for account_id in plan.people:
        ref = f"account:{account_id}"
        rows = {
            rule: rule.expired(now).filter(**{rule.owner: account_id})
            for rule in rules()
            if rule.owner
        }
        await attempt(ref, summary.failed, partial(retain, ref, rows, summary))
        advance()
    for rule, row_id in plan.own_subjects:
        ref = f"{rule.model._meta.db_table}:{row_id}"
        expired = {rule: rule.expired(now).filter(id=row_id)}
        await attempt(ref, summary.failed, partial(retain, ref, expired, summary))
        advance()
    # What belongs to nobody and holds no key of its own (attempts with an unknown login,
    # sign-in failure counts): one statement per table.
    for rule in rules():
        if not rule.own_keys:
            nobodys = rule.expired(now)
            if rule.owner:
                nobodys = nobodys.filter(**{rule.owner: None})
            summary.counts[rule.name] += await rule.apply(nobodys)
    summary.counts[PHONE_CODES] = await sweep_expired(now)
    advance()
    return summary
