"""Appending to the audit ledger: entries in batches, one MACed link per batch (P-SEC-5).

An append claims a chain, allocates the entries' ids, inserts them, and appends one link whose
MAC covers the SHA-256 of the entries' canonical lines (ids and content, in id order), the
chain and position, the time, the previous link's MAC and the pins of the legacy chain. The
chain's head row is moved to the new link, all in the caller's transaction (or one of its own).

Several chains let writers on different workers and machines append at once: on PostgreSQL an
append takes the lowest-numbered chain no other transaction holds (`FOR UPDATE SKIP LOCKED`), so
it waits only when every chain is busy. SQLite lets one writer in at a time anyway: there every
append uses chain 1, its head row taken by an UPDATE before anything is read.
"""

import hashlib
import json
import random
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import keyring
from models.audit import AuditChain, AuditEntry
from models.audit_keys import AuditKeys
from models.clock import utcnow

GENESIS_MAC = "0" * 64
LINK_FORMAT = "consentql-audit-link/1"
# Chains appends may use on PostgreSQL (`CONSENTQL_AUDIT_CHAINS`, installed by `use_chains`).
DEFAULT_CHAINS = 16
FIRST_CHAIN = 1
_chains = DEFAULT_CHAINS


def use_chains(chains: int) -> None:
    """Called once at start-up from configuration; every process of a fleet may use the same."""
    global _chains
    _chains = chains


# What an entry holds besides its id, chain, link and time, in the order its line covers it.
CONTENT_FIELDS = (
    "request_id",
    "viewer_kind",
    "viewer_ref",
    "subject_ref",
    "action",
    "categories_clear",
    "categories_masked",
    "categories_blocked",
    "basis",
    "details",
)
_JSON_FIELDS = {
    "categories_clear": list,
    "categories_masked": list,
    "categories_blocked": list,
    "details": dict,
}
_CONTENT = frozenset(CONTENT_FIELDS)
_ENTRY_COLUMNS = ("id", "chain_id", "link_position", "created_at", *CONTENT_FIELDS)
LINK_COLUMNS = (
    "chain_id",
    "position",
    "created_at",
    "entries",
    "digest",
    "prev_mac",
    "key_id",
    "legacy_position",
    "legacy_hash",
    "mac",
)

# One encoder, built once (`json.dumps` with options builds one per call). Keys are sorted
# because PostgreSQL's jsonb does not keep their order.
CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_line(entry_id: int, created_iso: str, content: Sequence[Any]) -> bytes:
    """An entry as its link's digest covers it: a JSON array on one line (JSON text escapes
    every line break, so the lines of a link are unambiguous)."""
    return CANONICAL.encode((entry_id, created_iso, *content)).encode() + b"\n"


@dataclass(frozen=True)
class Link:
    chain_id: int
    position: int
    created_iso: str
    entries: int
    digest: str
    prev_mac: str
    key_id: str
    legacy_position: int | None = None
    legacy_hash: str | None = None

    def message(self) -> bytes:
        return CANONICAL.encode(
            (
                LINK_FORMAT,
                self.chain_id,
                self.position,
                self.created_iso,
                self.entries,
                self.digest,
                self.prev_mac,
                self.key_id,
                self.legacy_position,
                self.legacy_hash,
            )
        ).encode()


def audit_keys() -> AuditKeys:
    return keyring.active().audit


# --- SQL -------------------------------------------------------------------------------------


def is_postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


@cache
def _numbered(sql: str) -> str:
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def dialect_sql(connection: BaseDBAsyncClient, sql: str) -> str:
    """`sql` written with `?` placeholders, as the connection's driver takes them."""
    return _numbered(sql) if is_postgres(connection) else sql


async def query(connection: BaseDBAsyncClient, sql: str, *values: Any) -> list[dict[str, Any]]:
    return await connection.execute_query_dict(dialect_sql(connection, sql), list(values))


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


INSERT_ENTRY = _insert_sql("audit_entry", _ENTRY_COLUMNS)
INSERT_LINK = _insert_sql("audit_link", LINK_COLUMNS)
MOVE_HEAD = "UPDATE audit_chain SET last_position = ?, last_mac = ? WHERE id = ?"
# PostgreSQL: any free chain, the lowest first, so the fleet keeps few chains busy.
CLAIM_FREE = (
    "SELECT id, last_position, last_mac FROM audit_chain WHERE id <= ? "
    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
)
# When every chain is busy, wait for one. This cannot deadlock: a transaction that holds a chain
# never waits, since its own chain is never skipped as locked.
CLAIM_ONE = {
    "postgres": "SELECT id, last_position, last_mac FROM audit_chain WHERE id = ? FOR UPDATE",
    # SQLite's write lock taken before anything is read: a read first would fail with
    # "database is locked" once another worker had written in between.
    "sqlite": (
        "UPDATE audit_chain SET last_position = last_position WHERE id = ? "
        "RETURNING id, last_position, last_mac"
    ),
}
NEXT_IDS = {
    "postgres": (
        "SELECT nextval(pg_get_serial_sequence('audit_entry', 'id')) AS id "
        "FROM generate_series(1, ?)"
    ),
    # Under the write lock the claim took: no one else inserts meanwhile.
    "sqlite": "SELECT COALESCE(MAX(id), 0) AS id FROM audit_entry",
}


async def ensure_chains(connection: BaseDBAsyncClient, chains: int) -> None:
    await AuditChain.bulk_create(
        [AuditChain(id=n, last_mac=GENESIS_MAC) for n in range(FIRST_CHAIN, chains + 1)],
        ignore_conflicts=True,
        using_db=connection,
    )


async def claim_chain(connection: BaseDBAsyncClient, chains: int) -> tuple[int, int, str]:
    """A chain's id, last position and last MAC, its head locked until the transaction ends."""
    dialect = connection.capabilities.dialect
    chain = FIRST_CHAIN
    if dialect == "postgres":
        rows = await query(connection, CLAIM_FREE, chains)
        if rows:
            return rows[0]["id"], rows[0]["last_position"], rows[0]["last_mac"]
        if await AuditChain.filter(id__lte=chains).using_db(connection).count() < chains:
            await ensure_chains(connection, chains)
            return await claim_chain(connection, chains)
        chain = random.randint(FIRST_CHAIN, chains)
    rows = await query(connection, CLAIM_ONE[dialect], chain)
    if not rows:
        await ensure_chains(connection, chain)
        rows = await query(connection, CLAIM_ONE[dialect], chain)
    return rows[0]["id"], rows[0]["last_position"], rows[0]["last_mac"]


async def next_entry_ids(connection: BaseDBAsyncClient, count: int) -> list[int]:
    if is_postgres(connection):
        rows = await query(connection, NEXT_IDS["postgres"], count)
        return sorted(row["id"] for row in rows)
    [row] = await query(connection, NEXT_IDS["sqlite"])
    return list(range(row["id"] + 1, row["id"] + 1 + count))


# --- Appending --------------------------------------------------------------------------------


def _content(entry: Mapping[str, Any]) -> list[Any]:
    """The entry's content in `CONTENT_FIELDS` order, missing values as the columns' defaults."""
    if unknown := entry.keys() - _CONTENT:
        # What the link does not cover must not be stored either, or it could change unnoticed.
        raise ValueError(f"not audit entry fields: {sorted(unknown)}")
    values = [entry.get(name) for name in CONTENT_FIELDS]
    for index, name in enumerate(CONTENT_FIELDS):
        empty = _JSON_FIELDS.get(name)
        if empty is not None:
            values[index] = empty(values[index] or ())
    values[CONTENT_FIELDS.index("basis")] = values[CONTENT_FIELDS.index("basis")] or ""
    return values


_JSON_INDEXES = tuple(CONTENT_FIELDS.index(name) for name in _JSON_FIELDS)


def _json_text(value: list[str] | dict[str, Any], texts: dict[tuple[str, ...], str]) -> str:
    """A JSON column's text; a batch's entries share a few category lists, so each list is
    encoded once (`texts` is the memo)."""
    if isinstance(value, dict):
        return CANONICAL.encode(value)
    key = tuple(value)
    text = texts.get(key)
    if text is None:
        text = texts[key] = CANONICAL.encode(value)
    return text


def _stored_time(moment: datetime) -> Any:
    return AuditEntry._meta.fields_map["created_at"].to_db_value(moment, AuditEntry)


async def append_link(
    connection: BaseDBAsyncClient,
    chain_id: int,
    position: int,
    prev_mac: str,
    digest: "Digest",
    created_at: datetime,
    **legacy: Any,
) -> str:
    """Insert the link after `position` on the claimed chain and move its head; its MAC."""
    keys = audit_keys()
    link = Link(
        chain_id,
        position + 1,
        utc_iso(created_at),
        digest.count,
        digest.hexdigest(),
        prev_mac,
        keys.key_id,
        **legacy,
    )
    mac = keys.mac(link.message())
    await connection.execute_query(
        dialect_sql(connection, INSERT_LINK),
        [
            chain_id,
            link.position,
            _stored_time(created_at),
            link.entries,
            link.digest,
            prev_mac,
            link.key_id,
            link.legacy_position,
            link.legacy_hash,
            mac,
        ],
    )
    await connection.execute_query(
        dialect_sql(connection, MOVE_HEAD), [link.position, mac, chain_id]
    )
    return mac


class Digest:
    """The running SHA-256 of a link's entry lines, and how many there were."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, line: bytes) -> None:
        self._hash.update(line)
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


async def append_entries(entries: Iterable[Mapping[str, Any]]) -> None:
    """Record `entries` (keyword arguments of `AuditEntry`: its `CONTENT_FIELDS`) as one batch
    with one link, in the caller's transaction if there is one, else in one of its own.

    Rows go in as plain parameters of one prepared INSERT (executemany), not as model objects:
    building and converting a model per entry costs more than inserting it.
    """
    contents = [_content(entry) for entry in entries]
    if not contents:
        return
    created_at = utcnow()
    created_iso = utc_iso(created_at)
    stored_time = _stored_time(created_at)
    texts: dict[tuple[str, ...], str] = {}
    async with in_transaction() as connection:
        chain_id, position, prev_mac = await claim_chain(connection, _chains)
        ids = await next_entry_ids(connection, len(contents))
        digest = Digest()
        rows = []
        for entry_id, values in zip(ids, contents, strict=True):
            digest.add(entry_line(entry_id, created_iso, values))
            for index in _JSON_INDEXES:
                values[index] = _json_text(values[index], texts)
            rows.append([entry_id, chain_id, position + 1, stored_time, *values])
        await connection.execute_many(dialect_sql(connection, INSERT_ENTRY), rows)
        await append_link(connection, chain_id, position, prev_mac, digest, created_at)


# --- Reading back, for `audit verify` and the cut-over ----------------------------------------


def stored_datetime(value: datetime | str) -> datetime:
    """A time as a raw query returns it: a datetime (PostgreSQL) or its text (SQLite)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stored_json(value: Any, empty: Callable[[], Any]) -> Any:
    """A JSON column as a raw query returns it: its text (both drivers, no codec set)."""
    if value is None:
        return empty()
    return json.loads(value) if isinstance(value, str) else value


def stored_content(row: Mapping[str, Any]) -> list[Any]:
    """An entry row's content, as `entry_line` covers it."""
    return [
        stored_json(row[name], _JSON_FIELDS[name]) if name in _JSON_FIELDS else row[name]
        for name in CONTENT_FIELDS
    ]


def stored_entry_line(row: Mapping[str, Any]) -> bytes:
    return entry_line(row["id"], utc_iso(stored_datetime(row["created_at"])), stored_content(row))


ENTRY_SELECT = f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM audit_entry"
LINK_SELECT = f"SELECT id, {', '.join(LINK_COLUMNS)} FROM audit_link"


async def keyset(
    connection: BaseDBAsyncClient,
    select: str,
    key: tuple[str, ...],
    batch: int,
    where: str = "",
    values: Sequence[Any] = (),
) -> AsyncIterator[dict[str, Any]]:
    """Every row of `select` in `key` order, read `batch` rows at a time (a row-value keyset,
    so each read starts where the last ended, on the index)."""
    columns = ", ".join(key)
    after: tuple[Any, ...] | None = None
    while True:
        conditions = [where] if where else []
        if after is not None:
            conditions.append(f"({columns}) > ({', '.join('?' * len(key))})")
        sql = select + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
        sql += f" ORDER BY {columns} LIMIT {batch}"
        rows = await query(connection, sql, *values, *(after or ()))
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = tuple(rows[-1][name] for name in key)
