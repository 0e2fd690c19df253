"""Runs the jobs that are due, each under its lease, and records how each run ended.

`tick()` is what the scheduler calls every few seconds in every process that hosts it; it reads
the clock through models.clock, so tests move time and call it instead of waiting.
"""

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence

from api.jobs.job import Job
from models import jobs as rows
from models.clock import utcnow
from models.jobs import ScheduledJob

logger = logging.getLogger(__name__)


def holder_id() -> str:
    """Names this process in the lease rows: host and pid, and a random part in case a pid is
    reused (containers)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


class JobRunner:
    def __init__(self, jobs: Sequence[Job], holder: str | None = None) -> None:
        self.jobs = {job.name: job for job in jobs}
        self.holder = holder or holder_id()
        self.running: dict[str, asyncio.Task[None]] = {}
        self.rows_ready = False

    async def tick(self) -> list[asyncio.Task[None]]:
        """Starts every due job this process gets the lease of, each in a task of its own so a
        long retention run does not hold up delivery; returns the tasks started."""
        now = utcnow()
        if not self.rows_ready:
            await rows.ensure(list(self.jobs), now)
            self.rows_ready = True
        idle = [name for name in self.jobs if name not in self.running]
        due = await ScheduledJob.filter(name__in=idle, next_run_at__lte=now).values_list(
            "name", flat=True
        )
        started = []
        for name in sorted(due):
            job = self.jobs[name]
            if await rows.acquire(name, self.holder, now, job.lease):
                task = asyncio.create_task(self.run(job), name=f"job {name}")
                self.running[name] = task
                task.add_done_callback(self.finished)
                started.append(task)
        return started

    def finished(self, task: asyncio.Task[None]) -> None:
        name = task.get_name().removeprefix("job ")
        self.running.pop(name, None)
        if not task.cancelled() and (error := task.exception()) is not None:
            # Its outcome could not be written (the database went away): the lease expires and
            # the job is taken up again.
            logger.error("job %s: outcome not recorded", name, exc_info=error)

    async def run_due(self) -> None:
        """One tick, waiting for the jobs it started to finish (tests, `consentql jobs run`)."""
        await asyncio.gather(*await self.tick())

    async def run(self, job: Job) -> None:
        heartbeat = asyncio.create_task(self.keep_lease(job))
        try:
            summary = dict(await job.work())
        except asyncio.CancelledError:
            # Stopped with the process: the job stays due, and the next process may take it now.
            await rows.release(job.name, self.holder)
            raise
        except Exception as error:
            await self.failed(job, error)
        else:
            finished = utcnow()
            next_run = job.next_run(finished)
            if await rows.record_success(job.name, self.holder, finished, next_run, summary):
                logger.info(
                    "job %s done; next run at %s",
                    job.name,
                    next_run.isoformat(),
                    extra={"job": job.name, "summary": summary},
                )
            else:
                logger.warning("job %s done after its lease was taken over", job.name)
        finally:
            heartbeat.cancel()

    async def failed(self, job: Job, error: Exception) -> None:
        failed_at = utcnow()
        row = await ScheduledJob.get(name=job.name)
        retry = job.retry_at(failed_at, row.consecutive_failures + 1)
        await rows.record_failure(job.name, self.holder, failed_at, retry, type(error).__name__)
        logger.error(
            "job %s failed (%s); next try at %s",
            job.name,
            type(error).__name__,
            retry.isoformat(),
            exc_info=error,
        )

    async def keep_lease(self, job: Job) -> None:
        while True:
            await asyncio.sleep(job.lease.total_seconds() / 3)
            if not await rows.renew(job.name, self.holder, utcnow(), job.lease):
                logger.warning("job %s lost its lease while running", job.name)
                return

    async def stop(self) -> None:
        """Cancels the runs in progress; their leases are released so another process may go
        on at once (every job can be interrupted and run again)."""
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
