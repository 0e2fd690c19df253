"""Scheduled jobs (api/jobs): due-day erasure with no command run (P-CANCEL-1), one runner per
job through the lease, schedules that survive a restart, retries, /metrics, and the real
APScheduler wiring. Time is moved with models.clock, never waited for, except where the real
scheduler's timer is the thing under test."""

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from api.audit.checkpoints import checkpoint_location
from api.jobs.job import Job, Summary
from api.jobs.registry import scheduled_jobs
from api.jobs.runner import JobRunner
from api.jobs.scheduler import scheduled
from api.privacy.calendar import CHINA_TIME
from api.settings import Settings
from models import jobs as lease
from models.accounts import Account, AccountStatus
from models.audit import AuditChain, AuditLink
from models.jobs import ScheduledJob
from models.privacy import PrivacyRequest
from tests.conftest import gql, person, sign_in
from tests.http.test_metrics import scrape
from tests.privacy import test_requests
from tests.privacy.test_cancellation import SUBMIT, cancel
from tests.privacy.test_requests import Clock

# Monday 28 September 2026 in Beijing: a cancellation is due Friday 23 October.
clock = test_requests.clock


def beijing(day: str, at: time) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), at, CHINA_TIME).astimezone(UTC)


class Counted:
    """Jobs that count their runs in memory and take a moment, so concurrent runs overlap."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()

    def job(self, name: str, *, fail: bool = False, minutes: int = 10) -> Job:
        async def work() -> Summary:
            self.runs[name] += 1
            await asyncio.sleep(0.05)
            if fail:
                raise RuntimeError("broken")
            return {"done": 1}

        return Job(name, IntervalTrigger(minutes=minutes, timezone=UTC), work)


async def test_p_cancel_1_a_cancelled_account_is_erased_on_its_due_working_day_by_itself(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
):
    request = await cancel(client, await sign_in(client))
    assert request["dueOn"] == "2026-10-23"
    runner = JobRunner(scheduled_jobs(settings))

    clock.now = beijing("2026-10-22", time(23, 59))
    await runner.run_due()
    assert await Account.filter(status=AccountStatus.CANCELLING).count() == 1
    erasures = await ScheduledJob.get(name="erasures")
    assert erasures.last_summary == {"erased": 0}
    assert erasures.next_run_at == beijing("2026-10-23", time(0, 0))

    # The first hourly run of the due day erases it; nobody ran a command.
    clock.now = beijing("2026-10-23", time(0, 0, 30))
    await runner.run_due()
    account = await Account.get(role="USER")
    assert account.status == AccountStatus.ERASED
    assert (await PrivacyRequest.get(account_id=account.id)).status == "COMPLETED"
    erasures = await ScheduledJob.get(name="erasures")
    assert (erasures.successes, erasures.last_summary) == (2, {"erased": 1})


async def test_two_runners_on_one_database_run_each_job_once(db, clock: Clock):
    counted = Counted()
    jobs = [counted.job("a"), counted.job("b"), counted.job("c")]
    first, second = JobRunner(jobs), JobRunner(jobs)
    started = await asyncio.gather(first.tick(), second.tick())
    await asyncio.gather(*started[0], *started[1])
    assert counted.runs == {"a": 1, "b": 1, "c": 1}
    # A process that read the job as due before another ran it cannot take it afterwards.
    assert not await lease.acquire("a", "late:1:reader", clock.now, jobs[0].lease)
    # Due again ten minutes on: again once each, whichever runner gets there.
    clock.now += timedelta(minutes=10)
    started = await asyncio.gather(second.tick(), first.tick())
    await asyncio.gather(*started[0], *started[1])
    assert counted.runs == {"a": 2, "b": 2, "c": 2}
    assert [row.successes for row in await ScheduledJob.all().order_by("name")] == [2, 2, 2]


async def test_a_job_held_by_another_process_waits_until_its_lease_expires(db, clock: Clock):
    counted = Counted()
    job = counted.job("a")
    await lease.ensure(["a"], clock.now)
    assert await lease.acquire("a", "elsewhere:1:dead", clock.now, job.lease)
    runner = JobRunner([job])
    await runner.run_due()
    assert counted.runs["a"] == 0
    # The holder never renewed: once its lease has run out the job is taken over.
    clock.now += job.lease + timedelta(seconds=1)
    await runner.run_due()
    assert counted.runs["a"] == 1
    row = await ScheduledJob.get(name="a")
    assert (row.holder, row.last_holder) == (None, runner.holder)


async def test_the_schedule_survives_a_restart(db, clock: Clock):
    counted = Counted()
    jobs = [counted.job("often", minutes=1), counted.job("rarely", minutes=60)]
    await JobRunner(jobs).run_due()
    # A new process (another holder, nothing in memory) finds the next runs in the database.
    restarted = JobRunner(jobs)
    clock.now += timedelta(seconds=30)
    await restarted.run_due()
    assert counted.runs == {"often": 1, "rarely": 1}
    clock.now += timedelta(seconds=40)
    await restarted.run_due()
    assert counted.runs == {"often": 2, "rarely": 1}
    # Down for two hours: a run missed meanwhile happens at once, and only once.
    clock.now += timedelta(hours=2)
    await JobRunner(jobs).run_due()
    assert counted.runs == {"often": 3, "rarely": 2}


async def test_a_failing_job_is_retried_sooner_with_a_growing_delay_and_counted(
    client: httpx.AsyncClient, clock: Clock
):
    counted = Counted()
    runner = JobRunner([counted.job("flaky", fail=True, minutes=60)])
    await runner.run_due()
    row = await ScheduledJob.get(name="flaky")
    assert (row.failures, row.consecutive_failures, row.last_error) == (1, 1, "RuntimeError")
    assert row.next_run_at == clock.now + timedelta(minutes=1)
    assert row.holder is None
    clock.now += timedelta(minutes=1)
    await runner.run_due()
    row = await ScheduledJob.get(name="flaky")
    assert row.next_run_at == clock.now + timedelta(minutes=2)

    samples = await scrape(client)
    assert samples[("consentql_job_failures_total", (("job", "flaky"),))] == 2
    assert samples[("consentql_job_consecutive_failures", (("job", "flaky"),))] == 2
    next_run = samples[("consentql_job_next_run_timestamp_seconds", (("job", "flaky"),))]
    assert next_run == row.next_run_at.timestamp()


async def test_metrics_show_each_jobs_last_success_and_next_run(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
):
    runner = JobRunner(scheduled_jobs(settings))
    await runner.run_due()
    samples = await scrape(client)
    rows = {row.name: row for row in await ScheduledJob.all()}
    assert set(rows) >= {"erasures", "retention", "overdue_requests", "delivery", "calendar_check"}
    for name, row in rows.items():
        labels = (("job", name),)
        assert samples[("consentql_job_last_success_timestamp_seconds", labels)] == (
            clock.now.timestamp()
        )
        assert samples[("consentql_job_next_run_timestamp_seconds", labels)] == (
            row.next_run_at.timestamp()
        )
        assert samples[("consentql_job_failures_total", labels)] == 0
    assert rows["delivery"].next_run_at == clock.now + timedelta(minutes=1)
    assert rows["retention"].next_run_at == beijing("2026-09-29", time(2, 30))


async def test_the_real_scheduler_ticks_and_runs_due_jobs(db):
    counted = Counted()
    async with scheduled([counted.job("a")], tick_seconds=0.05) as scheduler:
        for _ in range(100):
            if (await ScheduledJob.filter(name="a", successes=1).count()) == 1:
                break
            await asyncio.sleep(0.05)
        # Several more ticks: the job is not due again for ten minutes.
        await asyncio.sleep(0.3)
        assert scheduler.scheduler.running
    assert counted.runs["a"] == 1
    assert (await ScheduledJob.get(name="a")).successes == 1


async def test_stopping_mid_run_gives_the_lease_back_and_the_job_stays_due(db, clock: Clock):
    entered = asyncio.Event()

    async def endless() -> Summary:
        entered.set()
        await asyncio.sleep(3600)
        return {}

    runner = JobRunner([Job("long", IntervalTrigger(hours=1, timezone=UTC), endless)])
    await runner.tick()
    await entered.wait()
    assert (await ScheduledJob.get(name="long")).holder == runner.holder
    await runner.stop()
    row = await ScheduledJob.get(name="long")
    assert (row.holder, row.successes, row.failures) == (None, 0, 0)
    assert row.next_run_at <= clock.now


async def test_p_sec_5_the_audit_checkpoint_job_appends_the_heads_and_never_seals_a_cut_chain(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
):
    await sign_in(client)
    jobs = {job.name: job for job in scheduled_jobs(settings)}
    runner = JobRunner([jobs["audit_checkpoint"]])
    await runner.run_due()
    checkpoints = checkpoint_location(settings)
    # One chain on SQLite; on PostgreSQL every configured chain exists from the first append.
    chains = await AuditChain.all().count()
    assert (await ScheduledJob.get(name="audit_checkpoint")).last_summary == {"chains": chains}
    assert len(checkpoints.read_text().splitlines()) == 1
    # An insider removes the newest link: the head no longer matches the chain.
    await AuditLink.filter(id=(await AuditLink.all().order_by("-id").first()).id).delete()
    clock.now += timedelta(minutes=5)
    await runner.run_due()
    row = await ScheduledJob.get(name="audit_checkpoint")
    assert (row.consecutive_failures, row.last_error) == (1, "LedgerBroken")
    assert len(checkpoints.read_text().splitlines()) == 1


async def test_p_rights_4_the_daily_alert_names_requests_due_today_and_overdue_by_id(
    client: httpx.AsyncClient, settings: Settings, clock: Clock, caplog: pytest.LogCaptureFixture
):
    token = await sign_in(client)
    submitted = await gql(client, SUBMIT, {"input": {"kind": "ACCESS"}}, token=token)
    request_id = submitted.data["submitPrivacyRequest"]["id"]
    jobs = [job for job in scheduled_jobs(settings) if job.name == "overdue_requests"]
    runner = JobRunner(jobs)
    caplog.set_level(logging.WARNING, logger="api")

    # Received Monday 28 September: due 13 October, 15 days on.
    clock.now = beijing("2026-10-13", time(9, 0))
    await runner.run_due()
    assert f"1 privacy requests are due today: ids {request_id}" in caplog.text
    clock.now = beijing("2026-10-14", time(9, 0))
    await runner.run_due()
    assert (await ScheduledJob.get(name="overdue_requests")).last_summary == {
        "overdue": 1,
        "due_today": 0,
    }
    assert f"past their due date (P-RIGHTS-4): ids {request_id}" in caplog.text
    assert person()["name"] not in caplog.text and person()["phone"] not in caplog.text
