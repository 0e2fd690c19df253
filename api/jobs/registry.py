"""The jobs and when they run. Times of day are mainland China time, like the due dates.

| job | when | what |
|---|---|---|
| erasures | every hour, on the hour | erase cancelled accounts due by today (P-CANCEL-1) |
| retention | daily 02:30 | anonymize or delete what has expired (P-RETAIN-3) |
| overdue_requests | daily 09:00 | log the requests past or at their due date (P-RIGHTS-4) |
| delivery | every minute | send queued email, SMS and letters, retry failures (P-SEC-6) |
| calendar_check | daily 09:00 | warn of a missing working-day calendar year |
| audit_checkpoint | every 5 minutes | append the audit chains' heads to a file outside (P-SEC-5) |
"""

from datetime import UTC, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from api.audit.checkpoints import checkpoint
from api.jobs.job import Job, Summary
from api.notices.delivery import deliver_due
from api.notices.transports import configured_transports, retry_policy
from api.privacy import retention
from api.privacy.calendar import CHINA_TIME
from api.privacy.calendar_files import check_calendar
from api.privacy.cancellation import erase_due_cancellations
from api.privacy.overdue import alert_overdue
from api.privacy.requests import today
from api.settings import Settings
from models.clock import utcnow


def china_time(**fields: int) -> CronTrigger:
    return CronTrigger(timezone=CHINA_TIME, **fields)


async def erasures() -> Summary:
    return {"erased": await erase_due_cancellations(today())}


async def retention_run() -> Summary:
    now = utcnow()
    summary = await retention.execute(now, await retention.make_plan(now), lambda: None)
    return {**summary.counts, "people": summary.people}


async def overdue_requests() -> Summary:
    return await alert_overdue(today())


def scheduled_jobs(settings: Settings) -> list[Job]:
    transports = configured_transports(settings)
    retry = retry_policy(settings)
    calendar_folder = settings.calendar_folder

    async def delivery() -> Summary:
        return await deliver_due(transports, retry)

    async def calendar_check() -> Summary:
        return {"missing_years": len(check_calendar(calendar_folder, today()))}

    async def audit_checkpoint() -> Summary:
        # A broken chain fails the job (`consentql jobs status`, consentql_job_consecutive_failures)
        # rather than be sealed.
        return {"chains": len((await checkpoint(settings)).heads)}

    return [
        Job("erasures", china_time(minute=0), erasures),
        Job(
            "retention",
            china_time(hour=2, minute=30),
            retention_run,
            # Person by person, each in its own transaction: long, but renewing its lease.
            lease=timedelta(minutes=15),
        ),
        Job("overdue_requests", china_time(hour=9, minute=0), overdue_requests),
        Job("delivery", IntervalTrigger(minutes=1, timezone=UTC), delivery),
        Job("calendar_check", china_time(hour=9, minute=0), calendar_check),
        # The window in which an insider could cut the newest links unseen (SECURITY.md).
        Job("audit_checkpoint", IntervalTrigger(minutes=5, timezone=UTC), audit_checkpoint),
    ]
