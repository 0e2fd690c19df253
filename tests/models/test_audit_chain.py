"""P-SEC-5: entries are appended in batches, each batch one MACed link of a chain; verification
names the chain and position of whatever was changed."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import connections
from tortoise.contrib.test import tortoise_test_context

from models import MODEL_MODULES, keyring
from models.audit import AuditChain, AuditEntry, AuditLink
from models.audit_chain import CANONICAL, GENESIS_MAC, append_entries, canonical, dialect_sql
from models.audit_verify import verify_ledger
from tests.audit_ledger import read as audit_read

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def database_url() -> str:
    if not POSTGRES_URL:
        return "sqlite://:memory:"
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/consentql_test_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
async def db() -> AsyncIterator[None]:
    keyring.install(keyring.Keyring.from_master_key(b"k" * 32))
    async with tortoise_test_context(MODEL_MODULES, db_url=database_url()) as context:
        yield
        if POSTGRES_URL:
            connection = context.db()
            await connection.close()
            await connection.db_delete()


async def raw(sql: str, *values: Any) -> None:
    """Tampering as someone with database access would: behind the ORM's back."""
    connection = connections.get("default")
    await connection.execute_query(dialect_sql(connection, sql), list(values))


def read(subject: str, **extra: object) -> dict[str, object]:
    # Details with a key out of order and a non-ASCII one: their canonical form is covered.
    return audit_read(subject, details={"path": ["accounts"], "名": "张三"}, **extra)


async def problems() -> list[str]:
    return [str(problem) for problem in (await verify_ledger(None)).problems]


async def test_p_sec_5_each_batch_is_one_link_that_follows_the_one_before(db: None) -> None:
    await append_entries([read("account:1"), read("account:2")])
    await append_entries([read("account:3")])
    entries = await AuditEntry.all().order_by("id")
    assert [e.subject_ref for e in entries] == ["account:1", "account:2", "account:3"]
    assert [(e.chain_id, e.link_position) for e in entries] == [(1, 1), (1, 1), (1, 2)]
    first, second = await AuditLink.all().order_by("position")
    assert (first.entries, second.entries) == (2, 1)
    assert first.prev_mac == GENESIS_MAC
    assert second.prev_mac == first.mac
    head = await AuditChain.get(id=1)
    assert (head.last_position, head.last_mac) == (2, second.mac)
    assert await problems() == []


async def test_p_sec_5_an_empty_ledger_verifies_and_an_empty_batch_adds_nothing(db: None) -> None:
    await append_entries([])
    assert await AuditLink.all().count() == 0
    assert await problems() == []


async def test_p_sec_5_a_changed_entry_is_named_by_its_link(db: None) -> None:
    await append_entries([read("account:1"), read("account:2")])
    await append_entries([read("account:3")])
    second = (await AuditEntry.all().order_by("id"))[1]
    await raw(
        "UPDATE audit_entry SET categories_clear = ? WHERE id = ?",
        '["contact.phone","contact.email"]',
        second.id,
    )
    assert await problems() == ["chain 1, position 1: the entries are not the ones the link covers"]


async def test_p_sec_5_a_changed_link_time_fails_its_mac(db: None) -> None:
    await append_entries([read("account:1")])
    await raw("UPDATE audit_link SET entries = entries WHERE position = 1")
    assert await problems() == []
    await raw("UPDATE audit_link SET digest = ? WHERE position = 1", "f" * 64)
    assert await problems() == [
        "chain 1, position 1: the link's MAC does not verify: the link was changed or made "
        "without the key",
        "chain 1, position 1: the entries are not the ones the link covers",
    ]


async def test_p_sec_5_a_removed_entry_or_link_is_named(db: None) -> None:
    await append_entries([read("account:1"), read("account:2")])
    await append_entries([read("account:3")])
    await append_entries([read("account:4")])
    first = await AuditEntry.all().order_by("id").first()
    assert first is not None
    await raw("DELETE FROM audit_entry WHERE id = ?", first.id)
    await raw("DELETE FROM audit_link WHERE position = 2")
    assert await problems() == [
        "chain 1, position 1: the link covers 2 entries and 1 are there",
        "chain 1, position 2: entry 3 is covered by no link",
        "chain 1, position 2: link 2 is missing",
    ]


async def test_p_sec_5_a_link_renumbered_to_close_a_gap_shows(db: None) -> None:
    """The position is under the MAC: moving a link down to hide a deleted one shows."""
    await append_entries([read("account:1")])
    await append_entries([read("account:2")])
    await raw("DELETE FROM audit_entry WHERE link_position = 1")
    await raw("DELETE FROM audit_link WHERE position = 1")
    await raw("UPDATE audit_entry SET link_position = 1")
    await raw("UPDATE audit_link SET position = 1, prev_mac = ?", GENESIS_MAC)
    await raw("UPDATE audit_chain SET last_position = 1")
    assert "chain 1, position 1: the link's MAC does not verify" in "\n".join(await problems())


async def test_p_sec_5_concurrent_batches_keep_every_chain_whole(db: None) -> None:
    """On PostgreSQL each append runs on its own pooled connection and takes a chain no one else
    holds; on SQLite they queue for the one writer."""
    batches = [[read(f"account:{i}"), read(f"reservation:{i}")] for i in range(20)]
    await asyncio.gather(*(append_entries(batch) for batch in batches))
    assert await AuditEntry.all().count() == 40
    assert await AuditLink.all().count() == 20
    assert await problems() == []


async def test_p_sec_5_an_entry_refuses_fields_its_link_would_not_cover(db: None) -> None:
    with pytest.raises(ValueError, match="not audit entry fields"):
        await append_entries([read("account:1", hash="0" * 64)])
    assert await AuditEntry.all().count() == 0


def test_p_sec_5_entries_are_encoded_as_the_canonical_encoder_encodes_them() -> None:
    """Links written before and after must verify alike: the encoder made once writes the text
    `CANONICAL.encode` writes."""
    values: list[object] = [
        None,
        "",
        'quote " backslash \\ tab \t line\nbreak \u2028 \x00',
        "张三 ☃ 😀",
        ("contact.phone", "identity.name"),
        [],
        {"z": 1, "a": [None, True, False], "名": {"b": 2.5, "a": "x"}},
        (12, "2026-11-30T03:00:00.000000+00:00", "req", None, ["a"], {}),
    ]
    for value in values:
        assert canonical(value) == CANONICAL.encode(value)


async def test_p_sec_5_each_entry_stores_its_own_categories_when_a_batch_shares_them(
    db: None,
) -> None:
    """A batch encodes each category list object once; equal lists that are other objects, and
    other lists, still land on their own entries."""
    shared = ("contact.phone", "identity.name")
    await append_entries(
        [
            audit_read("account:1", categories_clear=shared),
            audit_read("account:2", categories_clear=["identity.name"], categories_masked=shared),
            audit_read("account:3", categories_clear=list(shared), categories_blocked=None),
            read("account:4", categories_clear=shared),
        ]
    )
    entries = await AuditEntry.all().order_by("id")
    assert [(e.categories_clear, e.categories_masked, e.details) for e in entries] == [
        (list(shared), ["identity.name"], {}),
        (["identity.name"], list(shared), {}),
        (list(shared), ["identity.name"], {}),
        (list(shared), ["identity.name"], {"path": ["accounts"], "名": "张三"}),
    ]
    assert [e.categories_blocked for e in entries] == [[], [], [], []]
    assert await problems() == []


async def test_p_sec_5_an_entry_is_stored_as_given_whatever_its_text_holds(db: None) -> None:
    """The rows are written from the entries' canonical lines (one JSON array on PostgreSQL):
    quotes, backslashes, line breaks and characters beyond ASCII land unescaped, and a missing
    request id stays missing."""
    awkward = 'quote " backslash \\ tab \t line\nbreak \u2028 张三 😀'
    await append_entries(
        [
            audit_read(
                "account:1",
                request=awkward,
                basis=awkward,
                categories_masked=[awkward],
                details={"note": awkward, "path": ["a", 1, None, True]},
            ),
            audit_read("account:2", request=None),
        ]
    )
    first, second = await AuditEntry.all().order_by("id")
    assert (first.request_id, first.basis, first.categories_masked) == (awkward, awkward, [awkward])
    assert first.details == {"note": awkward, "path": ["a", 1, None, True]}
    assert (second.request_id, second.basis, second.details) == (None, "consent:3", {})
    assert await problems() == []
