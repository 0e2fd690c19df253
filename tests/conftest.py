"""Fixtures: a fresh database per test (SQLite in memory, or PostgreSQL when TEST_DATABASE_URL is
set), the real ASGI app over httpx, and small helpers to call GraphQL as someone."""

import base64
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.contrib.test import tortoise_test_context

from api.accounts.service import create_admin
from api.auth.passwords import Passwords
from api.database import migrate, tortoise_config
from api.http.app import create_app
from api.settings import Settings
from api.validation import mainland_mobile
from models import MODEL_MODULES
from models.accounts import Duty, phone_lookup
from models.clock import set_clock
from models.privacy import OutboxMessage

MASTER_KEY = base64.b64encode(b"k" * 32).decode()
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

requires_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
)


def fresh_database_url() -> str:
    if not POSTGRES_URL:
        return "sqlite://:memory:"
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/consentql_test_{uuid.uuid4().hex[:12]}"))


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # Cheap argon2 parameters: tests measure behaviour, not hashing cost.
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "master_key": MASTER_KEY,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
async def db() -> AsyncIterator[TortoiseContext]:
    async with tortoise_test_context(MODEL_MODULES, db_url=fresh_database_url()) as context:
        yield context
        if POSTGRES_URL:
            connection = context.db()
            await connection.close()
            await connection.db_delete()


class Clock:
    """A fixed time that a test moves by hand (models.clock): nothing sleeps."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    fixed = Clock()
    set_clock(lambda: fixed.now)
    yield fixed
    set_clock()


def cli_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of a `consentql` command run as a process: its own SQLite file, a
    master key, cheap argon2 parameters."""
    return {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path),
        "CONSENTQL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
        "CONSENTQL_MASTER_KEY": base64.b64encode(b"c" * 32).decode(),
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "1024",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
    }


@asynccontextmanager
async def migrated_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database made by the migrations, as `consentql migrate` makes it (not from the models),
    open for the test's ORM calls: its URL. On SQLite a file, not :memory:, so the migrating and
    the serving connections see one database."""
    url = (POSTGRES_URL and fresh_database_url()) or f"sqlite://{tmp_path / 'migrated.sqlite3'}"
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    await Tortoise.close_connections()
    await migrate(make_settings(tmp_path, database_url=url))
    await Tortoise.init(config=tortoise_config(url))
    try:
        yield url
    finally:
        if url.startswith("postgres"):
            await Tortoise._drop_databases()
        else:
            await Tortoise.close_connections()


@asynccontextmanager
async def migrated_app(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a migrated database (`migrated_database`)."""
    async with migrated_database(tmp_path) as url:
        app = create_app(make_settings(tmp_path, database_url=url), manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(db: TortoiseContext, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        yield http


class GraphQLResponse(dict[str, Any]):
    @property
    def data(self) -> Any:
        return self.get("data")

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.get("errors") or []]


# (code or "OK", retryAfter) of a call with at most one error: what a throttled client acts on.
Outcome = tuple[str, int | None]


def outcome(result: dict[str, Any]) -> Outcome:
    if not result.get("errors"):
        return "OK", None
    [error] = result["errors"]
    return error["extensions"]["code"], error["extensions"].get("retryAfter")


# The codes of a masked error of ours (api.graphql.extensions.unexpected_errors): a fault, or an
# outage.
SERVER_FAULTS = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})


def is_server_fault(error: dict[str, Any]) -> bool:
    return (error.get("extensions") or {}).get("code") in SERVER_FAULTS


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> GraphQLResponse:
    sent = dict(headers or {})
    if token:
        sent["authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )
    return GraphQLResponse(response.json())


REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { id phone name email company } }
"""
PLACE_ORDER = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }
"""
LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { token account { id name } } }
"""


def person(n: int = 0, **overrides: str) -> dict[str, str]:
    return {
        "phone": f"1380013{n:04d}",
        "name": "张三",
        "email": f"zhang.san{n}@example.com",
        "company": "示例科技有限公司",
        "password": "correct horse battery",
        **overrides,
    }


REQUEST_CODE = """
mutation($phone: String!) { requestRegistrationCode(phone: $phone) { expiresInSeconds } }
"""


async def registration_code(phone: str) -> str:
    """The code last sent to `phone` (to register, or to move an account to it), read from the
    outbox as a relay opens it: under the code's own key."""
    normalized = mainland_mobile(phone)
    message = (
        await OutboxMessage.filter(phone_code__phone_hash=phone_lookup(normalized))
        .select_related("phone_code__data_key")
        .order_by("-id")
        .first()
    )
    assert message is not None, f"no code was sent to {phone}"
    assert message.phone_code.phone == normalized
    [code] = re.findall(r"\b\d{6}\b", message.body or "")
    return code


async def registration_input(
    client: httpx.AsyncClient, n: int = 0, **overrides: str
) -> dict[str, str]:
    """`person(n)` with a code asked for and read, ready to register with."""
    details = person(n, **overrides)
    result = await gql(client, REQUEST_CODE, {"phone": details["phone"]})
    assert not result.get("errors"), result
    return {**details, "code": await registration_code(details["phone"])}


async def register(client: httpx.AsyncClient, n: int = 0, **overrides: str) -> dict[str, Any]:
    details = await registration_input(client, n, **overrides)
    result = await gql(client, REGISTER, {"input": details})
    assert not result.get("errors"), result
    return {**details, "id": result.data["register"]["id"]}


async def sign_in(client: httpx.AsyncClient, n: int = 0, **overrides: str) -> str:
    details = await register(client, n, **overrides)
    result = await gql(
        client, LOGIN, {"input": {"login": details["phone"], "password": details["password"]}}
    )
    assert not result.get("errors"), result
    return result.data["login"]["token"]


ADMIN = {
    "phone": "13800000001",
    "email": "admin@example.com",
    "name": "管理员",
    "company": "示例通信有限公司",
    "password": "admin password 1",
}


async def admin_token(client: httpx.AsyncClient, settings: Settings) -> str:
    """Admins are made on the command line, never through the API: do what it does."""
    await create_admin(
        Passwords(settings),
        ADMIN["phone"],
        ADMIN["email"],
        ADMIN["name"],
        ADMIN["company"],
        ADMIN["password"],
        # The test admin answers privacy requests too (tests of an admin without it make one).
        duties=[Duty.PRIVACY_REQUESTS],
    )
    result = await gql(
        client, LOGIN, {"input": {"login": ADMIN["phone"], "password": ADMIN["password"]}}
    )
    return result.data["login"]["token"]
