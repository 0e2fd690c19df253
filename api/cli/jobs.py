"""`consentql worker` runs the scheduled jobs alone; `consentql jobs status | run NAME` shows
them and runs one now (api/jobs)."""

import argparse
import asyncio
import signal
from datetime import datetime

from rich.console import Console
from rich.table import Table

from api.cli.database import run_with_database
from api.jobs.registry import scheduled_jobs
from api.jobs.runner import JobRunner
from api.jobs.scheduler import scheduled
from api.settings import Settings
from models.clock import utcnow
from models.jobs import ScheduledJob, ensure


async def run_worker(settings: Settings) -> int:
    """The scheduler on its own until SIGTERM or SIGINT; jobs in progress are interrupted and
    their leases given back, so another worker may take them up at once."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopped.set)
    async with scheduled(scheduled_jobs(settings), settings.jobs_tick_seconds):
        await stopped.wait()
    return 0


def worker(settings: Settings, args: argparse.Namespace) -> int:
    from api.http.logging import configure_logging

    configure_logging(settings.log_level)
    return run_with_database(settings, lambda: run_worker(settings))


def moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "never"


async def status(settings: Settings, console: Console) -> int:
    """Every job's last runs; exit status 1 when one is failing now."""
    names = [job.name for job in scheduled_jobs(settings)]
    await ensure(names, utcnow())
    table = Table(title="Scheduled jobs")
    for column in ("job", "last success", "next run", "running on", "failures", "last error"):
        table.add_column(column)
    failing = False
    for row in await ScheduledJob.filter(name__in=names).order_by("name"):
        running = row.holder if row.holder and row.lease_expires_at else "-"
        failing |= row.consecutive_failures > 0
        error = f"{row.last_error} ({row.consecutive_failures} in a row)" if row.last_error else "-"
        table.add_row(
            row.name,
            moment(row.last_success_at),
            moment(row.next_run_at),
            running,
            str(row.failures),
            error if row.consecutive_failures else "-",
        )
    console.print(table)
    return 1 if failing else 0


async def run_now(settings: Settings, name: str, console: Console) -> int:
    """One job now, under its lease, whatever its schedule; refused while another runs it."""
    jobs = {job.name: job for job in scheduled_jobs(settings)}
    if name not in jobs:
        console.print(f"No job {name!r}; the jobs are: {', '.join(jobs)}")
        return 2
    runner = JobRunner([jobs[name]])
    await ensure([name], utcnow())
    await ScheduledJob.filter(name=name).update(next_run_at=utcnow())
    started = await runner.tick()
    if not started:
        console.print(f"{name} is running in another process; not started.")
        return 1
    await asyncio.gather(*started)
    row = await ScheduledJob.get(name=name)
    if row.consecutive_failures:
        console.print(f"{name} failed: {row.last_error}")
        return 1
    console.print(f"{name} done: {row.last_summary}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "worker", help="run the scheduled jobs without serving the API (docs/deploy.md)"
    ).set_defaults(run=worker)
    jobs = commands.add_parser("jobs", help="the scheduled jobs").add_subparsers(
        dest="jobs_command", required=True
    )
    jobs.add_parser(
        "status", help="last success, next run and failures of each job; exit 1 if one fails"
    ).set_defaults(
        run=lambda settings, args: run_with_database(settings, lambda: status(settings, Console()))
    )
    run = jobs.add_parser("run", help="run one job now, under its lease")
    run.add_argument("name")
    run.set_defaults(
        run=lambda settings, args: run_with_database(
            settings, lambda: run_now(settings, args.name, Console())
        )
    )
