"""Where the ORM is configured and the schema migrated."""

import os
from pathlib import Path
from typing import Any

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

from api.settings import Settings
from models import MODEL_MODULES, audit_chain, keyring

APP_LABEL = "models"
MIGRATIONS_MODULE = "models.migrations"
# SQLite with several workers (`serve --workers N`): a writer waits up to this long for another
# worker's write lock instead of failing with "database is locked". Tortoise already opens SQLite
# in WAL mode, so readers go on while one worker writes.
SQLITE_BUSY_TIMEOUT_MS = 10_000
ASYNCPG_ENGINE = "tortoise.backends.asyncpg"


class UnresetConnection(asyncpg.Connection):
    """A pooled PostgreSQL connection handed back without asyncpg's reset query (`RESET ALL`,
    `UNLISTEN *`, `pg_advisory_unlock_all()`, `CLOSE ALL`): Tortoise releases the connection
    after every statement outside a transaction, and the reset was a round trip each time. The
    app leaves nothing behind in a session for it to undo: it never LISTENs, sets a session
    setting, takes an advisory lock or declares a cursor. An open transaction is still rolled
    back on release (asyncpg does that apart from the query)."""

    def get_reset_query(self) -> str:
        return ""


def _connection(database_url: str) -> str | dict[str, Any]:
    """The URL as Tortoise takes it; expanded for SQLite, to add the busy timeout (a
    `?busy_timeout=` in the URL wins), and for asyncpg, to pool connections without a reset."""
    if not database_url.startswith(("sqlite://", "postgres://", "asyncpg://")):
        return database_url
    config = expand_db_url(database_url)
    if database_url.startswith("sqlite://"):
        config["credentials"].setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
    elif config["engine"] == ASYNCPG_ENGINE:
        config["credentials"].setdefault("connection_class", UnresetConnection)
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def prepare_storage(settings: Settings) -> None:
    """Checks configuration and installs the keys: refuses to start on what is missing."""
    settings.check()
    url = settings.resolved_database_url
    if url.startswith("sqlite://"):
        private_directory(settings.data_dir)
        private_sqlite_file(url)
    keyring.install(settings.load_keyring())
    audit_chain.use_chains(settings.audit_chains)


def private_directory(path: Path) -> None:
    """The data folder, readable by the server's own user only: it holds the database (names,
    companies, addresses, orders) and, in development, the master key."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def private_sqlite_file(url: str) -> None:
    """The SQLite file made (or kept) 0600 before SQLite opens it: SQLite gives its -wal and -shm
    files the database file's permissions, so they follow."""
    database = Path(url.removeprefix("sqlite://").partition("?")[0])
    if str(database) == ":memory:":
        return
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in (database, *database.parent.glob(f"{database.name}-*")):
        path.chmod(0o600)


async def migrate(settings: Settings) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    # Migration 0010 MACs the link that pins the audit events recorded before it.
    keyring.install(settings.load_keyring())
    await run_migrations(config=tortoise_config(settings.resolved_database_url))


# Read by the `tortoise` command line (pyproject [tool.tortoise]) for `makemigrations`.
TORTOISE_ORM = tortoise_config(Settings().resolved_database_url)
