"""A server killed with SIGKILL under load loses no ledger entry of anything it showed (P-SEC-5).

A real server (uvicorn, two workers) on a migrated database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set) is driven by concurrent requests of an API client listing people,
each with its own `X-Request-Id`; the test notes which people every received response showed.
Mid-load the server's whole process group is killed with SIGKILL, then started again. Every
person shown in a received response must have its ledger entry for that request id, and
`consentql audit verify` must pass: group commit lets no response leave before its batch is
committed, and a batch cut off by the kill is rolled back whole.
"""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise

from api.database import migrate, prepare_storage, tortoise_config
from models.audit import AuditEntry
from tests.conftest import (
    MASTER_KEY,
    POSTGRES_URL,
    admin_token,
    fresh_database_url,
    gql,
    make_settings,
)
from tests.servers import (
    UVICORN,
    free_port,
    server_environment,
    start,
    stop,
    wait_until_healthy,
)
from tests.sharing import (
    ACCOUNTS,
    create_affiliate,
    grant,
    issue_client,
    ok,
    person_with_id,
    publish_policy,
)

PEOPLE = 12
CLIENTS = 12
KILL_AFTER_RESPONSES = 150


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    url = fresh_database_url() if POSTGRES_URL else f"sqlite://{tmp_path / 'crash.sqlite3'}"
    settings = make_settings(tmp_path, database_url=url)
    prepare_storage(settings)
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    await Tortoise.close_connections()
    await migrate(settings)
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url))
    try:
        yield url
    finally:
        if POSTGRES_URL:
            await Tortoise._drop_databases()
        else:
            await Tortoise.close_connections()


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = start([*UVICORN, "--port", str(port), "--workers", "2"], env, log)
    wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
    return process


async def list_until_refused(
    base_url: str, token: str, worker: int, shown: dict[str, set[str]], enough: asyncio.Event
) -> None:
    """One client: list people again and again, noting who each complete answer showed, until
    the server is gone."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        n = 0
        while True:
            request_id = f"crash-{worker:02d}-{n:06d}"
            n += 1
            try:
                response = await http.post(
                    "/graphql",
                    json={"query": ACCOUNTS},
                    headers={"authorization": f"Bearer {token}", "x-request-id": request_id},
                )
                body = response.json()
            except (httpx.TransportError, ValueError):
                return  # the server is gone
            edges = ((body.get("data") or {}).get("accounts") or {}).get("edges") or []
            assert response.headers["x-request-id"] == request_id
            if edges:
                shown[request_id] = {f"account:{edge['node']['id']}" for edge in edges}
            if len(shown) >= KILL_AFTER_RESPONSES:
                enough.set()


async def test_p_sec_5_a_server_killed_mid_load_showed_nothing_unrecorded(
    database: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=database)
    env = server_environment(database, tmp_path / "data", MASTER_KEY)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(env, port, tmp_path / "server-1.log")
    try:
        await publish_policy()
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            admin = await admin_token(http, settings)
            affiliate = await create_affiliate(http, admin)
            api = await issue_client(http, admin, affiliate)
            for n in range(PEOPLE):
                person, _ = await person_with_id(http, n)
                await grant(http, person, affiliate)

        shown: dict[str, set[str]] = {}
        enough = asyncio.Event()
        load = [
            asyncio.create_task(list_until_refused(base_url, api, worker, shown, enough))
            for worker in range(CLIENTS)
        ]
        await asyncio.wait_for(enough.wait(), timeout=120)
        # Mid-load: every client has a request in flight, batches are being written.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        await asyncio.wait_for(asyncio.gather(*load), timeout=30)
    finally:
        stop([server])

    assert len(shown) >= KILL_AFTER_RESPONSES
    recorded = {
        (request_id, subject)
        for request_id, subject in await AuditEntry.filter(
            request_id__in=list(shown), action="READ"
        ).values_list("request_id", "subject_ref")
    }
    missing = {
        (request_id, subject)
        for request_id, subjects in shown.items()
        for subject in subjects
        if (request_id, subject) not in recorded
    }
    assert missing == set()

    restarted = serve(env, port, tmp_path / "server-2.log")
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            after = ok(await gql(http, ACCOUNTS, token=api))["accounts"]["edges"]
            assert len(after) == PEOPLE
    finally:
        stop([restarted])
    verify = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("audit ledger intact")
