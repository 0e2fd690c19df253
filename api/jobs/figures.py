"""What /metrics says about the jobs and what they look after, read when scraped so that every
worker reports the same: each job's last success, next run and failures (from its row in the
database), the messages waiting in the outbox by channel, and missing calendar years."""

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from tortoise.functions import Count

from api.notices.delivery import pending
from api.privacy.calendar import working_calendar
from api.privacy.calendar_files import missing_years
from api.privacy.requests import today
from models.jobs import ScheduledJob

logger = logging.getLogger(__name__)

NAN = float("nan")


def timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else NAN


class LifecycleFigures:
    def __init__(self, calendar_folder: Path) -> None:
        self.calendar_folder = calendar_folder
        self.jobs: list[ScheduledJob] = []
        self.outbox: dict[str, int] = {}
        self.missing_years: float = NAN
        self.readable = True

    async def refresh(self) -> None:
        try:
            calendar = working_calendar(self.calendar_folder)
            self.missing_years = len(missing_years(calendar, today()))
        except (OSError, ValueError):
            # A file in the folder that does not read as a calendar: unknown, not zero.
            logger.warning("metrics: the working-day calendar could not be read", exc_info=True)
            self.missing_years = NAN
        try:
            self.jobs = await ScheduledJob.all().order_by("name")
            rows = (
                await pending()
                .annotate(count=Count("id"))
                .group_by("channel")
                .values("channel", "count")
            )
        except Exception:
            logger.warning("metrics: the job figures could not be read", exc_info=True)
            self.readable = False
            return
        self.outbox = {str(row["channel"]): row["count"] for row in rows}
        self.readable = True

    def collect(self) -> Iterator[Metric]:
        success = GaugeMetricFamily(
            "consentql_job_last_success_timestamp_seconds",
            "When each scheduled job last finished without error (Unix time; NaN: never).",
            labels=["job"],
        )
        next_run = GaugeMetricFamily(
            "consentql_job_next_run_timestamp_seconds",
            "When each scheduled job runs next (Unix time).",
            labels=["job"],
        )
        failures = CounterMetricFamily(
            "consentql_job_failures",
            "Runs of each scheduled job that ended in an error, all processes together.",
            labels=["job"],
        )
        failing = GaugeMetricFamily(
            "consentql_job_consecutive_failures",
            "Failed runs of each job since its last success (0 when the last run succeeded).",
            labels=["job"],
        )
        waiting = GaugeMetricFamily(
            "consentql_outbox_pending",
            "Notifications queued for delivery and not yet sent or given up, by channel.",
            labels=["channel"],
        )
        if self.readable:
            for job in self.jobs:
                success.add_metric([job.name], timestamp(job.last_success_at))
                next_run.add_metric([job.name], timestamp(job.next_run_at))
                failures.add_metric([job.name], job.failures)
                failing.add_metric([job.name], job.consecutive_failures)
            for channel, count in sorted(self.outbox.items()):
                waiting.add_metric([channel], count)
        yield from (success, next_run, failures, failing, waiting)
        yield GaugeMetricFamily(
            "consentql_holiday_calendar_missing_years",
            "Years the working-day calendar lacks: this year, and next year from 1 November.",
            value=self.missing_years,
        )
