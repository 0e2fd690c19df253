"""A ledger on its own database for the `consentql audit` tests: made through migrations, filled
with batches, tampered with as an insider with database access would, and verified by the real
command line, in this process with the environment set."""

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

from api import cli
from api.database import migrate, prepare_storage, tortoise_config
from api.settings import Settings
from models.audit_chain import (
    GENESIS_MAC,
    Digest,
    Link,
    append_entries,
    dialect_sql,
    stored_datetime,
    stored_entry_line,
)
from tests.conftest import MASTER_KEY, POSTGRES_URL, fresh_database_url, make_settings

T = TypeVar("T")


def read(subject: str, request: str = "req-00000001", **extra: Any) -> dict[str, Any]:
    """An API client's read of one person, as the ledger records it."""
    return {
        "request_id": request,
        "viewer_kind": "API_CLIENT",
        "viewer_ref": "client:5",
        "subject_ref": subject,
        "action": "READ",
        "categories_clear": ["contact.phone"],
        "categories_masked": ["identity.name"],
        "basis": "consent:3",
        **extra,
    }


@dataclass
class LedgerDatabase:
    url: str
    settings: Settings
    checkpoints: Path

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        async def opened() -> T:
            await Tortoise.init(config=tortoise_config(self.url))
            try:
                return await work()
            finally:
                await Tortoise.close_connections()

        return asyncio.run(opened())

    def sql(self, *statements: str | tuple[str, list[Any]]) -> None:
        """Raw statements, behind the application's back."""

        async def execute() -> None:
            connection = connections.get("default")
            for statement in statements:
                text, values = statement if isinstance(statement, tuple) else (statement, [])
                await connection.execute_query(dialect_sql(connection, text), values)

        self.run(execute)

    def rows(self, text: str, *values: Any) -> list[dict[str, Any]]:
        async def select() -> list[dict[str, Any]]:
            connection = connections.get("default")
            return await connection.execute_query_dict(dialect_sql(connection, text), list(values))

        return self.run(select)

    def migrate(self) -> None:
        async def latest() -> None:
            try:
                await migrate(self.settings)
            finally:
                await Tortoise.close_connections()

        asyncio.run(latest())

    def append(self, *batches: list[dict[str, Any]]) -> None:
        async def write() -> None:
            for batch in batches:
                await append_entries(batch)

        self.run(write)


def ledger_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str | None = None
) -> LedgerDatabase:
    """A migrated database (SQLite file, or a fresh PostgreSQL one) that `consentql` reaches
    through its environment; migrated up to `target` (`models.0001_initial`) when given."""
    url = fresh_database_url() if POSTGRES_URL else f"sqlite://{tmp_path / 'audit.sqlite3'}"
    for name, value in {
        "CONSENTQL_DATA_DIR": str(tmp_path),
        "CONSENTQL_DATABASE_URL": url,
        "CONSENTQL_MASTER_KEY": MASTER_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(tmp_path, database_url=url)
    prepare_storage(settings)

    async def create() -> None:
        await Tortoise.init(config=tortoise_config(url), _create_db=True)
        await Tortoise.close_connections()
        if target is None:
            await migrate(settings)
        else:
            await run_migrations(config=tortoise_config(url), target=target)
        await Tortoise.close_connections()

    asyncio.run(create())
    return LedgerDatabase(url, settings, tmp_path / "audit-checkpoints" / "audit-checkpoints.jsonl")


def drop(database: LedgerDatabase) -> None:
    if database.url.startswith("postgres"):

        async def delete() -> None:
            await Tortoise.init(config=tortoise_config(database.url))
            await connections.get("default").db_delete()
            await Tortoise.close_connections()

        asyncio.run(delete())


@dataclass(frozen=True)
class Verdict:
    code: int
    report: dict[str, Any]

    @property
    def problems(self) -> list[tuple[int | str, int | None, str]]:
        return [(p["chain"], p["position"], p["problem"]) for p in self.report["problems"]]

    def named(self, chain: int | str, position: int | None, words: str) -> bool:
        return any(
            (found_chain, found_position) == (chain, position) and words in problem
            for found_chain, found_position, problem in self.problems
        )


def verify(capsys: pytest.CaptureFixture[str]) -> Verdict:
    """`consentql audit verify --json`, as an operator runs it."""
    capsys.readouterr()
    code = cli.main(["audit", "verify", "--json"])
    return Verdict(code, json.loads(capsys.readouterr().out))


def checkpoint(capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    return cli.main(["audit", "checkpoint"])


def recompute_without_key(database: LedgerDatabase, chain: int, from_position: int) -> None:
    """What an insider can do: recompute the links from `from_position` on with the project's
    own encoding, but with a plain SHA-256 where the MAC needs the audit key."""

    async def rewrite() -> None:
        connection = connections.get("default")

        async def select(text: str, *values: Any) -> list[dict[str, Any]]:
            return await connection.execute_query_dict(dialect_sql(connection, text), list(values))

        links = await select("SELECT * FROM audit_link WHERE chain_id = ? ORDER BY position", chain)
        prev = GENESIS_MAC
        for row in links:
            if row["position"] < from_position:
                prev = row["mac"]
                continue
            digest = Digest()
            for entry in await select(
                "SELECT * FROM audit_entry WHERE chain_id = ? AND link_position = ? ORDER BY id",
                chain,
                row["position"],
            ):
                digest.add(stored_entry_line(entry))
            link = Link(
                chain,
                row["position"],
                stored_datetime(row["created_at"]),
                digest.count,
                digest.hexdigest(),
                prev,
                row["key_id"],
            )
            mac = hashlib.sha256(link.message()).hexdigest()
            await connection.execute_query(
                dialect_sql(
                    connection,
                    "UPDATE audit_link SET entries = ?, digest = ?, prev_mac = ?, mac = ? "
                    "WHERE id = ?",
                ),
                [link.entries, link.digest, prev, mac, row["id"]],
            )
            prev = mac
        await connection.execute_query(
            dialect_sql(connection, "UPDATE audit_chain SET last_mac = ? WHERE id = ?"),
            [prev, chain],
        )

    database.run(rewrite)
