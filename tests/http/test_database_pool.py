"""PostgreSQL connections go back to the pool without asyncpg's reset query
(api.database.UnresetConnection), which is safe only while no statement leaves state behind in
the session."""

import re
from pathlib import Path

from tortoise import Tortoise, connections

from api.database import UnresetConnection, tortoise_config
from tests.conftest import fresh_database_url, requires_postgres

ROOT = Path(__file__).resolve().parents[2]
# What RESET ALL, UNLISTEN *, pg_advisory_unlock_all() and CLOSE ALL would have undone.
SESSION_STATE = re.compile(
    r"\b(LISTEN|DECLARE\s+\w+\s+CURSOR)\b|pg_(try_)?advisory_lock|set_config"
    # A statement of its own, not the SET of an UPDATE; SET TRANSACTION and SET LOCAL end with
    # their transaction.
    r"|[\"']\s*(SET|RESET)\s+(?!TRANSACTION\b|LOCAL\b)"
)


def test_no_statement_leaves_session_state_behind():
    sources = [p for d in ("api", "models", "plugins") for p in (ROOT / d).rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sources
        for match in SESSION_STATE.finditer(path.read_text())
    ]
    assert found == []


@requires_postgres
async def test_pooled_connections_are_released_without_a_reset_and_roll_back():
    url = fresh_database_url()
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    try:
        db = connections.get("default")
        async with db.acquire_connection() as connection:
            assert isinstance(connection._con, UnresetConnection)
            assert connection.get_reset_query() == ""
            await connection.execute("BEGIN")
            await connection.execute("CREATE TABLE left_open (id int)")
        # The open transaction was still rolled back when the connection went back.
        async with db.acquire_connection() as connection:
            assert await connection.fetchval("SELECT to_regclass('left_open')") is None
    finally:
        await Tortoise._drop_databases()
