"""A database that is down while a request is identified (before GraphQL runs) gets a JSON
answer with a code, not Starlette's plain-text 500; the traceback is logged, the token is not.
Lost during execution, it gets the same code and message on the errors it causes."""

import io
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import DBConnectionError

from api.auth.identify import Identity, identify
from api.auth.tokens import CLIENT_PREFIX, SESSION_PREFIX, new_token
from api.http.logging import json_handler
from api.settings import Settings
from tests.conftest import gql, sign_in


def sqlite_error(action: Callable[[], object]) -> sqlite3.OperationalError:
    """A real SQLite error, with the result code SQLite gives it."""
    try:
        action()
    except sqlite3.OperationalError as error:
        return error
    raise AssertionError("SQLite did not fail")


def open_a_missing_directory() -> None:
    sqlite3.connect("/nonexistent/consentql.db")


def read_a_missing_table() -> None:
    with closing(sqlite3.connect(":memory:")) as raw:
        raw.execute("SELECT * FROM no_such_table")


# What each backend raises when the database cannot be reached; the messages are the kind a
# database gives, and must not reach the client.
DATABASE_DOWN: dict[str, Callable[[], Exception]] = {
    "tortoise cannot connect": lambda: DBConnectionError(
        "Can't establish connection to database consentql at db.internal:5432"
    ),
    "postgres refuses the socket": lambda: ConnectionRefusedError(
        111, "Connect call failed ('10.0.0.5', 5432)"
    ),
    "postgres is shutting down": lambda: asyncpg.CannotConnectNowError(
        "the database system is shutting down"
    ),
    "sqlite file cannot be opened": lambda: sqlite_error(open_a_missing_directory),
}
TOKENS = {"session cookie": SESSION_PREFIX, "api client bearer": CLIENT_PREFIX}


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What reaches the log, through the redacting JSON handler `consentql serve` uses."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def fail_every_query(
    db: TortoiseContext, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """The connection pool gives out no connection: what a database that is down does."""

    def acquire_connection() -> None:
        raise error

    monkeypatch.setattr(db.db(), "acquire_connection", acquire_connection)


async def identified(
    client: httpx.AsyncClient, settings: Settings, prefix: str
) -> tuple[httpx.Response, str]:
    """Asks `{ me }` with a token of that kind: identify looks it up before anything runs."""
    token = new_token(prefix)
    headers = {"authorization": f"Bearer {token}"} if prefix == CLIENT_PREFIX else {}
    if prefix == SESSION_PREFIX:
        client.cookies.set(settings.session_cookie, token)
    response = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
    return response, token


@pytest.mark.parametrize("token_kind", sorted(TOKENS))
@pytest.mark.parametrize("failure", sorted(DATABASE_DOWN))
async def test_database_down_while_identifying_answers_503_json_and_logs_without_the_token(
    client: httpx.AsyncClient,
    db: TortoiseContext,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    logged: io.StringIO,
    failure: str,
    token_kind: str,
) -> None:
    error = DATABASE_DOWN[failure]()
    fail_every_query(db, monkeypatch, error)

    response, token = await identified(client, settings, TOKENS[token_kind])

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    assert "data" not in body, "a request refused before execution has no data entry"
    assert str(error) not in response.text
    records = [json.loads(line) for line in logged.getvalue().splitlines()]
    [failed] = [record for record in records if record["level"] == "ERROR"]
    assert failed["request_id"] == response.headers["x-request-id"]
    assert "Traceback" in failed["exc_info"] and type(error).__name__ in failed["exc_info"]
    assert token not in logged.getvalue()


async def test_a_query_that_is_wrong_while_identifying_is_a_500_json_not_a_503(
    client: httpx.AsyncClient,
    db: TortoiseContext,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    logged: io.StringIO,
) -> None:
    """A fault of ours (here SQLite's "no such table") must not pass for an outage: no retry
    helps. It is still JSON with a code, and its text stays in the log."""
    error = sqlite_error(read_a_missing_table)
    fail_every_query(db, monkeypatch, error)

    response, _ = await identified(client, settings, SESSION_PREFIX)

    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert "no_such_table" in logged.getvalue()


async def test_database_lost_during_execution_masks_the_field_error_as_service_unavailable(
    client: httpx.AsyncClient,
    db: TortoiseContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The caller is identified, then the database goes: the resolver's own query fails. The
    field's error says a retry may help, in our words, not the database's."""
    token = await sign_in(client)
    error = DATABASE_DOWN["postgres is shutting down"]()

    async def identify_then_lose_the_database(*args: Any) -> Identity:
        identity = await identify(*args)
        fail_every_query(db, monkeypatch, error)
        return identity

    monkeypatch.setattr("api.http.app.identify", identify_then_lose_the_database)

    result = await gql(client, "{ orders { edges { cursor } } }", token=token)

    assert result["errors"] == [
        {
            "message": "service temporarily unavailable, try again",
            "locations": [{"line": 1, "column": 3}],
            "path": ["orders"],
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }
    ]
    assert str(error) not in json.dumps(result)


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        pytest.param(
            DATABASE_DOWN["postgres is shutting down"], "SERVICE_UNAVAILABLE", id="outage"
        ),
        pytest.param(
            lambda: sqlite_error(read_a_missing_table), "INTERNAL_SERVER_ERROR", id="our-fault"
        ),
    ],
)
async def test_a_failed_ledger_write_empties_the_result_and_codes_the_one_error_by_its_cause(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[[], Exception],
    code: str,
) -> None:
    """P-SEC-5: nothing read leaves without its ledger entry; the client learns only whether
    that was an outage (retry) or a fault of ours."""
    token = await sign_in(client)
    error = failure()

    async def ledger_write_fails(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr("api.audit.ledger.append_contents", ledger_write_fails)

    result = await gql(client, "{ me { id name phone } }", token=token)

    assert result.data is None
    assert result.codes == [code]
    assert str(error) not in json.dumps(result)
