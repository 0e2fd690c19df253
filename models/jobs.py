"""Scheduled jobs: one row per job with its lease and the outcome of its last runs.

The lease makes one process in the whole deployment the runner of a job at a time, whatever the
number of workers and machines: it is taken and renewed by a conditional UPDATE, which the
database applies to the row one writer at a time (SQLite's write lock, PostgreSQL's row lock and
re-check of the WHERE clause), so of two processes asking at once exactly one sees its row
updated. The next run time is stored here too, so a restart neither repeats a job nor skips it.
"""

from datetime import datetime, timedelta
from typing import Any

from tortoise import fields
from tortoise.expressions import F, Q
from tortoise.models import Model

from models.personal import personal_data


@personal_data(
    operational={
        "name": "which job",
        "holder": "which process runs it",
        "lease_expires_at": "until when",
        "next_run_at": "when it runs next",
        "last_started_at": "when it last started",
        "last_success_at": "when it last succeeded",
        "last_failure_at": "when it last failed",
        "last_error": "the failure's exception class",
        "last_summary": "counts of what the last run did",
        "last_holder": "which process ran it last",
        "successes": "how many runs succeeded",
        "failures": "how many failed",
        "consecutive_failures": "how many failed in a row",
    },
    owner="",
)
class ScheduledJob(Model):
    """The lease and the last runs of one job, with no personal data (counts, error class names)."""

    name = fields.CharField(max_length=64, primary_key=True)
    # Who runs it now ("host:pid:random"), until lease_expires_at; None when nobody does.
    holder = fields.CharField(max_length=128, null=True)
    lease_expires_at = fields.DatetimeField(null=True)
    next_run_at = fields.DatetimeField()
    last_started_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)
    # The exception's class name only: a message may quote data.
    last_error = fields.CharField(max_length=128, null=True)
    # What the last successful run did, as counts ({"sent": 3}).
    last_summary = fields.JSONField[dict[str, int]](default=dict)
    last_holder = fields.CharField(max_length=128, null=True)
    successes = fields.IntField(default=0)
    failures = fields.IntField(default=0)
    consecutive_failures = fields.IntField(default=0)

    class Meta:
        table = "scheduled_job"


def _free_or_mine(holder: str, now: datetime) -> Q:
    return Q(holder=None) | Q(lease_expires_at__lt=now) | Q(holder=holder)


async def acquire(name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Takes the job's lease if the job is due and nobody else holds a live lease."""
    taken = await ScheduledJob.filter(
        _free_or_mine(holder, now), name=name, next_run_at__lte=now
    ).update(holder=holder, lease_expires_at=now + lease, last_started_at=now)
    return taken == 1


async def renew(name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Extends a lease still held; False when it was lost (it expired and another took it)."""
    renewed = await ScheduledJob.filter(name=name, holder=holder).update(
        lease_expires_at=now + lease
    )
    return renewed == 1


async def release(name: str, holder: str) -> None:
    """Gives the lease up without recording a run: the job stays due."""
    await ScheduledJob.filter(name=name, holder=holder).update(holder=None, lease_expires_at=None)


async def ensure(names: list[str], now: datetime) -> None:
    """A row for each job not seen before, due at once; processes starting together insert once."""
    await ScheduledJob.bulk_create(
        [ScheduledJob(name=name, next_run_at=now) for name in names], ignore_conflicts=True
    )


# A run's outcome is written only by the process still named as holder: one whose lease expired
# and was taken over must not clear the new holder's lease.
async def _finish(name: str, holder: str, next_run_at: datetime, **outcome: Any) -> bool:
    finished = await ScheduledJob.filter(name=name, holder=holder).update(
        holder=None, lease_expires_at=None, next_run_at=next_run_at, last_holder=holder, **outcome
    )
    return finished == 1


async def record_success(
    name: str, holder: str, now: datetime, next_run_at: datetime, summary: dict[str, int]
) -> bool:
    return await _finish(
        name,
        holder,
        next_run_at,
        last_success_at=now,
        last_summary=summary,
        successes=F("successes") + 1,
        consecutive_failures=0,
    )


async def record_failure(
    name: str, holder: str, now: datetime, next_run_at: datetime, error: str
) -> bool:
    return await _finish(
        name,
        holder,
        next_run_at,
        last_failure_at=now,
        last_error=error[:128],
        failures=F("failures") + 1,
        consecutive_failures=F("consecutive_failures") + 1,
    )
