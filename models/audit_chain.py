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
from itertools import repeat
from json.encoder import c_make_encoder
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
# An entry's content: its `CONTENT_FIELDS`' values in that order. A plain tuple: a read makes
# one per subject shown, and a named tuple costs four times as much to make. Category lists may
# be tuples (they encode alike).
Categories = Sequence[str]
Details = Mapping[str, Any]
Content = tuple[str | None, str, str, str, str, Categories, Categories, Categories, str, Details]
# Empty details, as an entry's line and row hold them: one shared object (only ever encoded,
# never changed), so a batch encodes it once.
NO_DETAILS: dict[str, Any] = {}
_NO_CATEGORIES: tuple[str, ...] = ()
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
# CANONICAL's own C encoder, made once: `JSONEncoder.encode` makes one per call, which costs
# as much as encoding an entry. It writes the same text (the tests compare the two), without
# the check for circular references that entries, made of strings and lists, never need.
_ENCODE = c_make_encoder(
    None,
    CANONICAL.default,
    json.encoder.encode_basestring,
    CANONICAL.indent,
    CANONICAL.key_separator,
    CANONICAL.item_separator,
    CANONICAL.sort_keys,
    CANONICAL.skipkeys,
    CANONICAL.allow_nan,
)


def canonical(value: Any) -> str:
    """`value` as CANONICAL encodes it."""
    return "".join(_ENCODE(value, 0))


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_lines(
    ids: Sequence[int], created_iso: str, contents: Sequence[Sequence[Any]]
) -> list[str]:
    """Entries as their link's digest covers them: each a JSON array, `[id, time, *content]`,
    on a line of its own (JSON text escapes every line break, so the lines of a link are
    unambiguous)."""
    return [
        canonical((entry_id, created_iso, *content))
        for entry_id, content in zip(ids, contents, strict=True)
    ]


def entry_line(entry_id: int, created_iso: str, content: Sequence[Any]) -> bytes:
    return (canonical((entry_id, created_iso, *content)) + "\n").encode()


@dataclass(frozen=True)
class Link:
    chain_id: int
    position: int
    created_at: datetime
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
                utc_iso(self.created_at),
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


@dataclass(frozen=True)
class Claim:
    """A chain's head, locked until the transaction ends, and the ids of the batch's entries."""

    chain_id: int
    position: int
    prev_mac: str
    ids: list[int]


# PostgreSQL: the lowest chain no other transaction holds, with the batch's ids, in one
# statement. When every chain is busy, wait for one: this cannot deadlock, since a transaction
# that holds a chain never waits (its own chain is never skipped as locked).
# The sequence of audit_entry's bigserial id, named as PostgreSQL names it (looked up per row
# with pg_get_serial_sequence it cost 0.57 ms per 100 ids).
_IDS = "ARRAY(SELECT nextval('audit_entry_id_seq'::regclass) FROM generate_series(1, ?))"
CLAIM_FREE = (
    f"SELECT c.id, c.last_position, c.last_mac, {_IDS} AS ids FROM (SELECT id, last_position, "
    "last_mac FROM audit_chain WHERE id <= ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AS c"
)
CLAIM_ONE = (
    f"SELECT c.id, c.last_position, c.last_mac, {_IDS} AS ids FROM (SELECT id, last_position, "
    "last_mac FROM audit_chain WHERE id = ? FOR UPDATE) AS c"
)
# SQLite: its write lock taken before anything is read (a read first would fail with "database
# is locked" once another worker had written in between); under it no one else inserts, so
# the ids follow the highest one.
CLAIM_SQLITE = (
    "UPDATE audit_chain SET last_position = last_position WHERE id = ? "
    "RETURNING id, last_position, last_mac, (SELECT COALESCE(MAX(id), 0) FROM audit_entry) AS top"
)
INSERT_ENTRY = _insert_sql("audit_entry", _ENTRY_COLUMNS)
INSERT_LINK = _insert_sql("audit_link", LINK_COLUMNS)
MOVE_HEAD = "UPDATE audit_chain SET last_position = ?, last_mac = ? WHERE id = ?"
# PostgreSQL: entries, link and head in one statement (one round trip instead of three). The
# entries are taken from their lines, sent as one JSON array: one text parameter costs asyncpg
# far less to encode than a column array per field (0.37 ms less per 100 entries), and the
# rows then hold exactly what the link's digest covers. A line is `[id, time, *content]`; the
# row's time is the link's, a parameter.
_LINE_VALUES = ", ".join(
    f"e -> {at}" if name in _JSON_FIELDS else f"e ->> {at}"
    for at, name in enumerate(CONTENT_FIELDS, start=2)
)
WRITE_POSTGRES = (
    f"WITH entries AS ({INSERT_ENTRY.partition(' VALUES ')[0]} "
    f"SELECT (e ->> 0)::bigint, ?::integer, ?::bigint, ?::timestamptz, {_LINE_VALUES} "
    "FROM jsonb_array_elements(?::text::jsonb) AS e), "
    f"link AS ({INSERT_LINK}) {MOVE_HEAD}"
)


async def ensure_chains(connection: BaseDBAsyncClient, chains: int) -> None:
    await AuditChain.bulk_create(
        [AuditChain(id=n, last_mac=GENESIS_MAC) for n in range(FIRST_CHAIN, chains + 1)],
        ignore_conflicts=True,
        using_db=connection,
    )


async def claim(connection: BaseDBAsyncClient, chains: int, count: int) -> Claim:
    """A chain for a batch of `count` entries (see the module's docstring)."""
    if not is_postgres(connection):
        rows = await query(connection, CLAIM_SQLITE, FIRST_CHAIN)
        if not rows:
            await ensure_chains(connection, FIRST_CHAIN)
            rows = await query(connection, CLAIM_SQLITE, FIRST_CHAIN)
        [row] = rows
        top = row["top"]
        return Claim(
            row["id"], row["last_position"], row["last_mac"], list(range(top + 1, top + 1 + count))
        )
    rows = await query(connection, CLAIM_FREE, count, chains)
    if not rows:
        if await AuditChain.filter(id__lte=chains).using_db(connection).count() < chains:
            await ensure_chains(connection, chains)
            return await claim(connection, chains, count)
        rows = await query(connection, CLAIM_ONE, count, random.randint(FIRST_CHAIN, chains))
    [row] = rows
    return Claim(row["id"], row["last_position"], row["last_mac"], sorted(row["ids"]))


async def write(
    connection: BaseDBAsyncClient,
    link: Link,
    mac: str,
    ids: Sequence[int] = (),
    contents: Sequence[Content] = (),
    lines: Sequence[str] = (),
) -> None:
    """Insert the entries (their `ids` and `contents`, and the same as their `entry_lines`) and
    the link, move the head."""
    stored_time = _stored_time(link.created_at)
    link_values = [
        link.chain_id,
        link.position,
        stored_time,
        link.entries,
        link.digest,
        link.prev_mac,
        link.key_id,
        link.legacy_position,
        link.legacy_hash,
        mac,
    ]
    head = [link.position, mac, link.chain_id]
    if is_postgres(connection):
        entries = f"[{','.join(lines)}]"
        await connection.execute_query(
            dialect_sql(connection, WRITE_POSTGRES),
            [link.chain_id, link.position, stored_time, entries, *link_values, *head],
        )
        return
    if ids:
        # SQLite takes the rows as they are: its JSON functions, reading the lines, cost more
        # than executemany's parameters.
        columns = _columns(contents)
        rows = zip(ids, repeat(link.chain_id), repeat(link.position), repeat(stored_time), *columns)
        await connection.execute_many(INSERT_ENTRY, list(rows))
    await connection.execute_query(INSERT_LINK, link_values)
    await connection.execute_query(MOVE_HEAD, head)


# --- Appending --------------------------------------------------------------------------------


_JSON_INDEXES = tuple(CONTENT_FIELDS.index(name) for name in _JSON_FIELDS)
_EMPTY_AT = tuple(
    (CONTENT_FIELDS.index(name), NO_DETAILS if kind is dict else _NO_CATEGORIES)
    for name, kind in _JSON_FIELDS.items()
)
_BASIS = CONTENT_FIELDS.index("basis")


def _content(entry: Mapping[str, Any]) -> Content:
    """An entry given field by field, missing values as the columns' defaults."""
    if not _CONTENT.issuperset(entry):
        # What the link does not cover must not be stored either, or it could change unnoticed.
        raise ValueError(f"not audit entry fields: {sorted(entry.keys() - _CONTENT)}")
    values = list(map(entry.get, CONTENT_FIELDS))
    for index, empty in _EMPTY_AT:
        if not values[index]:
            values[index] = empty
    if values[_BASIS] is None:
        values[_BASIS] = ""
    return tuple(values)  # type: ignore[return-value]


def _columns(contents: Sequence[Content]) -> list[list[Any]]:
    """The contents column by column, JSON ones as text, each object encoded once."""
    columns = [list(column) for column in zip(*contents, strict=True)]
    for index in _JSON_INDEXES:
        columns[index] = _json_texts(columns[index])
    return columns


def _json_texts(values: list[Any]) -> list[str]:
    """A JSON column's texts. A batch's entries share a few category lists (one per distinct
    outcome, the same object for each entry that had it), so each object is encoded once."""
    texts: dict[int, Any] = dict(zip(map(id, values), values, strict=True))
    for key, value in texts.items():
        texts[key] = canonical(value)
    return list(map(texts.__getitem__, map(id, values)))


def _stored_time(moment: datetime) -> Any:
    return AuditEntry._meta.fields_map["created_at"].to_db_value(moment, AuditEntry)


def next_link(
    claimed: Claim, digest: "Digest", created_at: datetime, **legacy: Any
) -> tuple[Link, str]:
    """The link after the claimed head, and its MAC under the active audit key."""
    keys = audit_keys()
    link = Link(
        claimed.chain_id,
        claimed.position + 1,
        created_at,
        digest.count,
        digest.hexdigest(),
        claimed.prev_mac,
        keys.key_id,
        **legacy,
    )
    return link, keys.mac(link.message())


class Digest:
    """The running SHA-256 of a link's entry lines, and how many there were."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, line: bytes) -> None:
        self._hash.update(line)
        self.count += 1

    def add_lines(self, lines: Sequence[str]) -> None:
        """`entry_lines`, each ended by its line break."""
        if lines:
            self._hash.update(("\n".join(lines) + "\n").encode())
            self.count += len(lines)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


async def append_entries(entries: Iterable[Mapping[str, Any]]) -> None:
    """Record `entries` (keyword arguments of `AuditEntry`: its `CONTENT_FIELDS`) as one batch
    with one link (see `append_contents`)."""
    await append_contents(list(map(_content, entries)))


async def append_contents(contents: Sequence[Content]) -> None:
    """Record `contents` as one batch with one link, in the caller's transaction if there is
    one, else in one of its own.

    Rows go in as plain parameters (`write`), not as model objects: building and converting a
    model per entry costs more than inserting it.
    """
    if not contents:
        return
    created_at = utcnow()
    created_iso = utc_iso(created_at)
    async with in_transaction() as connection:
        claimed = await claim(connection, _chains, len(contents))
        lines = entry_lines(claimed.ids, created_iso, contents)
        digest = Digest()
        digest.add_lines(lines)
        link, mac = next_link(claimed, digest, created_at)
        await write(connection, link, mac, claimed.ids, contents, lines)


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
