"""The jobs in real processes: two API servers on one PostgreSQL database run each job once, and
`consentql worker` migrates, runs every job and gives its leases back on SIGTERM.

Both wait for the jobs to run with a short tick (CONSENTQL_JOBS_TICK_SECONDS), bounded in time;
the servers are stopped at the end.
"""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger

from api.jobs.registry import scheduled_jobs
from api.settings import Settings
from models.clock import utcnow
from models.jobs import ScheduledJob
from tests.conftest import MASTER_KEY, POSTGRES_URL, make_settings, requires_postgres
from tests.http.test_workers import database_url, servers  # noqa: F401 (fixtures)
from tests.servers import start, stop

TICK_SECONDS = "0.2"
WAIT_SECONDS = 60
# Long enough for each server to tick several times after a round.
SETTLE_SECONDS = 1.5
# A round of the two-server test must not straddle a scheduled time of day.
ROUND_SECONDS = 120


def job_names(tmp_path: Path) -> list[str]:
    return [job.name for job in scheduled_jobs(make_settings(tmp_path))]


def wait_for_a_quiet_slot(tmp_path: Path) -> None:
    """Sleeps past any time-of-day run (hourly erasures, 02:30 retention, ...) due within the
    next rounds, so a job that runs twice has run twice in one slot."""
    now = datetime.now(UTC)
    times = [
        job.trigger.get_next_fire_time(None, now)
        for job in scheduled_jobs(make_settings(tmp_path))
        if isinstance(job.trigger, CronTrigger)
    ]
    soonest = min(times)
    if soonest - now < timedelta(seconds=ROUND_SECONDS):
        time.sleep((soonest - now).total_seconds() + 1)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        assert time.monotonic() < deadline, "the jobs did not run in time"
        await asyncio.sleep(0.1)


@pytest.fixture
def ticking_servers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, str]:
    """The two servers of tests/http/test_workers.py, each hosting the scheduler."""
    wait_for_a_quiet_slot(tmp_path)
    monkeypatch.setenv("CONSENTQL_JOBS_TICK_SECONDS", TICK_SECONDS)
    urls: tuple[str, str] = request.getfixturevalue("servers")
    return urls


@requires_postgres
async def test_two_servers_on_one_postgresql_database_run_each_job_once(
    ticking_servers: tuple[str, str], tmp_path: Path
):
    names = job_names(tmp_path)

    async def ran(times: int) -> bool:
        rows = await ScheduledJob.filter(name__in=names, successes__gte=times).count()
        return rows == len(names)

    await until(lambda: ran(1))
    for round_ in (2, 3, 4):
        # Every job due at once, for both servers ticking every 0.2 s.
        await ScheduledJob.all().update(next_run_at=utcnow())
        await until(lambda round_=round_: ran(round_))
        await asyncio.sleep(SETTLE_SECONDS)
        rows = await ScheduledJob.all().order_by("name")
        assert [row.name for row in rows] == sorted(names)
        assert {(row.name, row.successes, row.failures) for row in rows} == {
            (name, round_, 0) for name in names
        }
        assert all(row.holder is None for row in rows)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the worker runs on its own SQLite file")
def test_consentql_worker_runs_every_job_and_gives_its_leases_back_on_sigterm(tmp_path: Path):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(data),
        "CONSENTQL_MASTER_KEY": MASTER_KEY,
        "CONSENTQL_JOBS_TICK_SECONDS": TICK_SECONDS,
    }
    env.pop("CONSENTQL_DATABASE_URL", None)
    log = tmp_path / "worker.log"
    worker = start([sys.executable, "-m", "api.cli", "worker"], env, log)
    names = job_names(tmp_path)
    database = Settings(data_dir=data).resolved_database_url.removeprefix("sqlite://")
    deadline = time.monotonic() + WAIT_SECONDS

    def rows() -> list[tuple[str, int, int, str | None]]:
        if not Path(database).exists():
            return []
        with sqlite3.connect(database) as connection:
            try:
                return connection.execute(
                    "SELECT name, successes, failures, holder FROM scheduled_job ORDER BY name"
                ).fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return []

    try:
        while not (len(rows()) == len(names) and all(row[1] >= 1 for row in rows())):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            stop([worker])
    assert [row[0] for row in rows()] == sorted(names)
    assert all(failures == 0 and holder is None for _, _, failures, holder in rows())
    assert "Traceback" not in log.read_text()


def test_jobs_status_says_what_ran(tmp_path: Path):
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path),
        "CONSENTQL_MASTER_KEY": MASTER_KEY,
        "COLUMNS": "200",
    }
    env.pop("CONSENTQL_DATABASE_URL", None)
    command = [sys.executable, "-m", "api.cli", "jobs"]
    ran = subprocess.run([*command, "run", "erasures"], env=env, capture_output=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert b"erasures done: {'erased': 0}" in ran.stdout
    status = subprocess.run([*command, "status"], env=env, capture_output=True, timeout=60)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.decode().splitlines()
    [erasures] = [line for line in lines if "erasures" in line]
    assert "never" not in erasures.split("│")[2]
    unknown = subprocess.run([*command, "run", "nothing"], env=env, capture_output=True, timeout=60)
    assert unknown.returncode == 2
