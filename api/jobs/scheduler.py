"""The in-process scheduler: APScheduler's AsyncIOScheduler calls the runner's tick on the
process's event loop every CONSENTQL_JOBS_TICK_SECONDS.

APScheduler 3.x rather than a queue such as procrastinate: that one needs PostgreSQL, and the
app also runs on SQLite. APScheduler's own job stores cannot be shared by several schedulers, so
it keeps only the tick in memory; which job is due, and who runs it, is in the database
(models/jobs.py). Its triggers compute each job's next run from the last one.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from api.jobs.job import Job
from api.jobs.runner import JobRunner

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, jobs: Sequence[Job], tick_seconds: float) -> None:
        self.runner = JobRunner(jobs)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=tick_seconds, timezone=UTC),
            id="tick",
            # A tick only starts tasks, so it is short; two never overlap, and ticks missed while
            # the loop was busy collapse into one.
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )

    async def tick(self) -> None:
        try:
            await self.runner.tick()
        except Exception:
            # The database may be away; the next tick tries again.
            logger.warning("jobs: could not look for due jobs", exc_info=True)

    def start(self) -> None:
        self.scheduler.start()
        logger.info("scheduler started as %s: %s", self.runner.holder, ", ".join(self.runner.jobs))

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        await self.runner.stop()


@asynccontextmanager
async def scheduled(jobs: Sequence[Job], tick_seconds: float) -> AsyncIterator[Scheduler]:
    """The scheduler running on the current event loop until the block ends."""
    scheduler = Scheduler(jobs, tick_seconds)
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()
