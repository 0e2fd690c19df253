"""`consentql serve --workers 2`: GET /metrics reports the totals of every worker, whichever worker
the scrape reaches (prometheus_client's multiprocess mode, api/metrics.py); the figures read from
the database stay one series each.

A real server process with two workers sharing one socket, on a SQLite file in a temporary data
directory. The test talks to it over HTTP, reads each worker's own metrics file only to know that
both workers answered, and stops it at the end.
"""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import MASTER_KEY
from tests.servers import free_port, start, stop, wait_until_healthy

REQUESTS = 20
# Which worker accepts a connection is the kernel's choice; on a busy machine one may take a run.
MAX_REQUESTS = 300
SCRAPES = 3
# Scrapes 50 ms apart while the last counts land: 5 s at most.
SETTLING_SCRAPES = 100
TYPENAME = {"query": "{ __typename }"}
GRAPHQL_OK = {"method": "POST", "route": "/graphql", "status": "200"}
DATABASE_FIGURES = ("consentql_privacy_requests_overdue", "consentql_sign_in_failures_last_hour")


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    # The `consentql` command's TMPDIR, where it makes its metrics directory.
    temporary: Path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **os.environ,
        # Empty: the SQLite file in the data dir, whatever the caller's shell says.
        "CONSENTQL_DATABASE_URL": "",
        "CONSENTQL_DATA_DIR": str(tmp_path / "data"),
        "CONSENTQL_MASTER_KEY": MASTER_KEY,
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "1024",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
        "TMPDIR": str(temporary),
    }
    # An operator's own directory would be used as it is; this test is about the command's.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port)]
    process = start(command, env, log)
    try:
        wait_until_healthy(base_url, process, log)
        yield Server(process, base_url, temporary)
    finally:
        stop([process])


def graphql_ok_count(families: Iterable[Metric]) -> float:
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "consentql_http_requests_total" and sample.labels == GRAPHQL_OK
    )


async def scrape(client: httpx.AsyncClient) -> list[Metric]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return list(text_string_to_metric_families(response.text))


def workers_that_answered(directory: Path) -> int:
    """From each worker's own file: how many counted a /graphql request."""
    return sum(
        graphql_ok_count(MultiProcessCollector.merge([str(file)])) > 0
        for file in directory.glob("counter_*.db")
    )


async def test_metrics_report_the_requests_of_every_worker_with_serve_workers_2(
    server: Server,
) -> None:
    [directory] = server.temporary.glob("consentql-metrics-*")
    # A connection per request: the kernel hands each to either worker.
    async with httpx.AsyncClient(
        base_url=server.base_url, timeout=10, headers={"connection": "close"}
    ) as client:
        sent = 0
        # Until both workers have answered some: only then would one worker's counts fall short.
        while sent < REQUESTS or workers_that_answered(directory) < 2:
            assert sent < MAX_REQUESTS, f"one worker answered all {sent} requests"
            response = await client.post("/graphql", json=TYPENAME)
            assert response.status_code == 200, response.text
            sent += 1

        # A worker counts a request just after sending its response, so a scrape may come a
        # moment before the last count lands; totals of one worker alone never reach `sent`.
        for _ in range(SETTLING_SCRAPES):
            if graphql_ok_count(await scrape(client)) == sent:
                break
            await asyncio.sleep(0.05)
        for _ in range(SCRAPES):
            families = await scrape(client)
            assert graphql_ok_count(families) == sent
            figures = [
                (sample.name, sample.labels)
                for family in families
                for sample in family.samples
                if sample.name in DATABASE_FIGURES
            ]
            # One series each, no pid label: every worker reads the same figure.
            assert sorted(figures) == [(name, {}) for name in DATABASE_FIGURES]

    # The next `consentql serve` starts from zero: the directory goes with the server.
    stop([server.process])
    assert not directory.exists()
