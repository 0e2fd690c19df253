"""P-SEC-5: the audit log is append-only and hash-chained; verify names the first broken link."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import connections
from tortoise.contrib.test import tortoise_test_context
from tortoise.exceptions import IntegrityError

from models import MODEL_MODULES
from models.audit import GENESIS_HASH, AuditEvent, append_events, verify_chain

MODULES = list(dict.fromkeys([*MODEL_MODULES, "models.consent", "models.audit"]))
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def database_url() -> str:
    if not POSTGRES_URL:
        return "sqlite://:memory:"
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/consentql_test_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
async def db() -> AsyncIterator[None]:
    async with tortoise_test_context(MODULES, db_url=database_url()) as context:
        yield
        if POSTGRES_URL:
            connection = context.db()
            await connection.close()
            await connection.db_delete()


async def raw(sql: str, *values: Any) -> None:
    """Tampering as someone with database access would: behind the ORM's back."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        for number in range(1, len(values) + 1):
            sql = sql.replace("?", f"${number}", 1)
    await connection.execute_query(sql, list(values))


def read(subject: str, **extra: object) -> dict[str, object]:
    return {
        "request_id": "req-1",
        "viewer_kind": "API_CLIENT",
        "viewer_ref": "client:5",
        "subject_ref": subject,
        "action": "READ",
        "categories_clear": ["contact.phone"],
        "categories_masked": ["identity.name"],
        "categories_blocked": [],
        "basis": "consent:3",
        "details": {"path": ["accounts"], "名": "张三"},
        **extra,
    }


async def test_p_sec_5_audit_chain_links_every_event_to_the_one_before(db: None) -> None:
    await append_events([read("account:1"), read("account:2")])
    await append_events([read("account:3")])
    events = await AuditEvent.all().order_by("id")
    assert [e.subject_ref for e in events] == ["account:1", "account:2", "account:3"]
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert await verify_chain() is None


async def test_p_sec_5_audit_chain_empty_log_verifies(db: None) -> None:
    await append_events([])
    assert await AuditEvent.all().count() == 0
    assert await verify_chain() is None


async def test_p_sec_5_audit_chain_detects_a_tampered_row(db: None) -> None:
    await append_events([read("account:1"), read("account:2"), read("account:3")])
    second = (await AuditEvent.all().order_by("id"))[1]
    await raw(
        "UPDATE audit_event SET categories_clear = ? WHERE id = ?",
        '["contact.phone","contact.email"]',
        second.id,
    )
    assert await verify_chain() == second.id


async def test_p_sec_5_audit_chain_detects_a_removed_row(db: None) -> None:
    await append_events([read("account:1"), read("account:2"), read("account:3")])
    _, second, third = await AuditEvent.all().order_by("id")
    await raw("DELETE FROM audit_event WHERE id = ?", second.id)
    assert await verify_chain() == third.id


async def test_p_sec_5_audit_chain_detects_a_cut_off_tail(db: None) -> None:
    await append_events([read("account:1"), read("account:2")])
    first, second = await AuditEvent.all().order_by("id")
    await raw("DELETE FROM audit_event WHERE id = ?", second.id)
    assert await verify_chain() == first.id


async def test_p_sec_5_audit_chain_refuses_a_fork(db: None) -> None:
    """A second event chained from the same predecessor takes the same position: refused."""
    await append_events([read("account:1")])
    first = await AuditEvent.first()
    assert first is not None
    with pytest.raises(IntegrityError):
        await AuditEvent.create(
            **read("account:9"),
            id=first.id,
            created_at=first.created_at,
            prev_hash=first.prev_hash,
            hash="f" * 64,
        )


async def test_p_sec_5_audit_chain_detects_renumbered_events(db: None) -> None:
    """The position is hashed: moving an event to close a gap left by a deletion shows."""
    await append_events([read("account:1"), read("account:2")])
    first, second = await AuditEvent.all().order_by("id")
    await raw("DELETE FROM audit_event WHERE id = ?", first.id)
    await raw(
        "UPDATE audit_event SET id = ?, prev_hash = ? WHERE id = ?",
        first.id,
        GENESIS_HASH,
        second.id,
    )
    assert await verify_chain() == first.id


async def test_p_sec_5_audit_chain_stays_one_chain_under_concurrent_appends(db: None) -> None:
    """On PostgreSQL each append runs on its own pooled connection: the chain head's row lock
    makes them queue instead of chaining two events from the same predecessor."""
    batches = [[read(f"account:{i}"), read(f"reservation:{i}")] for i in range(20)]
    await asyncio.gather(*(append_events(batch) for batch in batches))
    assert await AuditEvent.all().count() == 40
    assert await verify_chain() is None


async def test_p_sec_5_audit_event_refuses_fields_the_hash_would_not_cover(db: None) -> None:
    with pytest.raises(ValueError, match="hash"):
        await append_events([read("account:1", hash="0" * 64)])
    assert await AuditEvent.all().count() == 0
