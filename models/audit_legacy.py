"""Events recorded before the ledger's links: their hash chain, and the cut-over (P-SEC-5).

Until migration 0010 every event was a row of `audit_event` whose id was its position and whose
SHA-256 covered its position, content, time and the previous event's hash; a one-row head held
the last position and hash. That chain is verified by its own rule up to the cut-over. The
cut-over copies the events into `audit_entry` (same ids), and appends the first link of chain 1
over those copies, pinning the old chain's last position and hash under the link's MAC: the old
events can be neither changed nor cut off without `audit verify` naming it, and a person's
access history reads old and new entries alike.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit import LegacyAuditEvent
from models.audit_chain import (
    CANONICAL,
    CONTENT_FIELDS,
    FIRST_CHAIN,
    Digest,
    claim,
    is_postgres,
    keyset,
    next_link,
    query,
    stored_entry_line,
    utc_iso,
    write,
)
from models.clock import utcnow

GENESIS_HASH = "0" * 64
VERIFY_BATCH = 1000
CUT_OVER_POSITION = 1


def event_hash(position: int, values: Sequence[Any], created_at_iso: str, prev_hash: str) -> str:
    """The old rule: `values` are the event's `CONTENT_FIELDS` (the old hashed fields, in the
    same order), in one JSON array with the position, time and previous hash."""
    return hashlib.sha256(
        CANONICAL.encode((position, *values, created_at_iso, prev_hash)).encode()
    ).hexdigest()


@dataclass(frozen=True)
class LegacyTail:
    """Where the old chain ended, as its events show it: the last whole position and hash, and
    the first position at which a link was broken, if one was."""

    position: int
    hash: str
    broken_at: int | None


async def legacy_tail() -> LegacyTail:
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        batch = await LegacyAuditEvent.filter(id__gt=last_id).order_by("id").limit(VERIFY_BATCH)
        for event in batch:
            values = tuple(getattr(event, name) for name in CONTENT_FIELDS)
            created_iso = utc_iso(event.created_at)
            if (
                event.id != last_id + 1
                or event.prev_hash != expected_prev
                or event_hash(event.id, values, created_iso, event.prev_hash) != event.hash
            ):
                return LegacyTail(last_id, expected_prev, event.id)
            expected_prev = event.hash
            last_id = event.id
        if len(batch) < VERIFY_BATCH:
            return LegacyTail(last_id, expected_prev, None)


_COPIED = ("id", "created_at", *CONTENT_FIELDS)


async def cut_over(connection: BaseDBAsyncClient) -> None:
    """Run once by migration 0010, in its transaction, with the keyring installed (the link's
    MAC needs the audit key). Nothing to do on a database that never recorded an event.

    The pin is what the old head said, not what the events show: a chain already cut or changed
    stays broken under `audit verify` rather than being sealed as it is now.
    """
    [counted] = await query(connection, "SELECT COUNT(*) AS n, MAX(id) AS last FROM audit_event")
    heads = await query(connection, "SELECT last_position, last_hash FROM audit_chain_head")
    if not counted["n"] and not heads:
        return
    if heads:
        pinned = (heads[0]["last_position"], heads[0]["last_hash"])
    else:
        [last] = await query(
            connection, "SELECT id, hash FROM audit_event WHERE id = ?", counted["last"]
        )
        pinned = (last["id"], last["hash"])
    columns = ", ".join(_COPIED)
    await query(
        connection,
        f"INSERT INTO audit_entry (chain_id, link_position, {columns}) "
        f"SELECT ?, ?, {columns} FROM audit_event",
        FIRST_CHAIN,
        CUT_OVER_POSITION,
    )
    if is_postgres(connection) and counted["last"]:
        # The copies took the old ids; new entries continue after them.
        await query(
            connection,
            "SELECT setval(pg_get_serial_sequence('audit_entry', 'id'), ?)",
            counted["last"],
        )
    digest = Digest()
    async for row in keyset(
        connection,
        f"SELECT {columns} FROM audit_entry",
        ("id",),
        VERIFY_BATCH,
        "chain_id = ? AND link_position = ?",
        (FIRST_CHAIN, CUT_OVER_POSITION),
    ):
        digest.add(stored_entry_line(row))
    claimed = await claim(connection, FIRST_CHAIN, 0)
    if claimed.position != 0:
        raise RuntimeError("the cut-over must begin chain 1, and chain 1 has links already")
    link, mac = next_link(
        claimed, digest, utcnow(), legacy_position=pinned[0], legacy_hash=pinned[1]
    )
    await write(connection, link, mac)
