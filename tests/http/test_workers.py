"""Two server processes on one PostgreSQL database agree: nothing that must agree lives in process
memory (P-WITHDRAW-1 "in every worker", P-COOKIE-1 sessions).

Each server is a real `uvicorn api.http.asgi:app` process on a free loopback port; the test talks to
them over HTTP. Requests are bounded by timeouts, and the servers are stopped at the end.
"""

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from api.database import prepare_storage
from api.settings import Settings
from tests.conftest import MASTER_KEY, admin_token, gql, migrated_database, requires_postgres
from tests.servers import (
    UVICORN,
    free_port,
    server_environment,
    start,
    stop,
    wait_until_healthy,
)
from tests.sharing import (
    ACCOUNT,
    WITHDRAW_CONSENT,
    create_affiliate,
    grant,
    issue_client,
    ok,
    person_with_id,
    publish_policy,
)

pytestmark = requires_postgres

ME = "{ me { id phone } }"


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    # Migrated, as a release does: the servers are ready (/healthz) only then.
    async with migrated_database(tmp_path) as url:
        yield url


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two server processes, each its own worker, on the same database: their base URLs."""
    env = server_environment(database_url, tmp_path / "data", MASTER_KEY)
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"server-{name}.log"
            process = start([*UVICORN, "--port", str(port)], env, log)
            started.append((process, f"http://127.0.0.1:{port}", log))
        for process, base_url, log in started:
            wait_until_healthy(base_url, process, log)
        yield started[0][1], started[1][1]
    finally:
        stop([process for process, _, _ in started])


async def test_p_withdraw_1_two_server_processes_share_sessions_and_obey_a_withdrawal(
    servers: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, master_key=MASTER_KEY, argon2_time_cost=1
    )
    prepare_storage(settings)  # the admin is created here, as `consentql admin create` would
    await publish_policy()
    url_a, url_b = servers
    async with (
        httpx.AsyncClient(base_url=url_a, timeout=60) as a,
        httpx.AsyncClient(base_url=url_b, timeout=60) as b,
    ):
        admin = await admin_token(a, settings)
        affiliate = await create_affiliate(a, admin)
        api = await issue_client(b, admin, affiliate)
        person, person_id = await person_with_id(a, 0)

        # A session made on one server works on the other (sessions live in the database).
        assert ok(await gql(b, ME, token=person))["me"]["id"] == person_id

        consent = await grant(a, person, affiliate)
        seen = ok(await gql(b, ACCOUNT, {"id": person_id}, token=api))["account"]
        assert seen["phone"] == "13800130000"

        # Withdrawn on A; B obeys on its very next request (P-WITHDRAW-1).
        ok(await gql(a, WITHDRAW_CONSENT, {"id": consent["id"]}, token=person))
        gone = await gql(b, ACCOUNT, {"id": person_id}, token=api)
        assert gone.codes == ["NOT_FOUND"]
        assert gone.data["account"] is None
