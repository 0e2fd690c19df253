"""SQLite with several workers (`consentql serve --workers N`): one worker's write waits for
another's instead of failing with "database is locked"; readers are not blocked (WAL)."""

import asyncio
import sqlite3
import threading

import pytest
from tortoise import Tortoise, connections

from api.database import SQLITE_BUSY_TIMEOUT_MS, tortoise_config
from models import keyring
from models.audit_chain import append_entries
from models.audit_verify import verify_ledger
from tests.conftest import POSTGRES_URL

# Tortoise caches INSERT SQL per connection name: never mix SQLite into a PostgreSQL run.
pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite only")

HOLD_SECONDS = 0.3


def hold_write_lock(path: str, locked: threading.Event) -> None:
    """Another worker, mid-write, for a moment."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE audit_chain SET last_mac = last_mac")
    locked.set()
    threading.Event().wait(HOLD_SECONDS)
    other.execute("COMMIT")
    other.close()


async def test_p_sec_5_a_ledger_write_waits_for_another_workers_write_lock(tmp_path):
    path = tmp_path / "workers.sqlite3"
    keyring.install(keyring.Keyring.from_master_key(b"k" * 32))
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))
    try:
        await Tortoise.generate_schemas()
        connection = connections.get("default")
        [timeout] = await connection.execute_query_dict("PRAGMA busy_timeout")
        [journal] = await connection.execute_query_dict("PRAGMA journal_mode")
        assert (timeout["timeout"], journal["journal_mode"]) == (SQLITE_BUSY_TIMEOUT_MS, "wal")

        read = {"viewer_kind": "ADMIN", "viewer_ref": "account:1", "action": "READ"}
        await append_entries([{**read, "subject_ref": "account:1"}])
        locked = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(str(path), locked))
        holder.start()
        await asyncio.to_thread(locked.wait)
        await append_entries([{**read, "subject_ref": "account:2"}])
        holder.join()
        assert (await verify_ledger(None)).problems == []
    finally:
        await Tortoise.close_connections()
