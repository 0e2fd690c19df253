"""Migration 0010 on a ledger recorded before it (P-SEC-5, P-TRANSPARENCY-1): the old events
keep verifying by their own hash chain up to the cut-over, whose link pins that chain's end
under the audit key; tampering with an old event or its copy is named; and a person's access
history and export show reads from before and after."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise

from api.audit.history import ADMIN_NAME
from api.database import tortoise_config
from api.http.app import create_app
from models.audit import AuditEntry, AuditLink
from models.audit_chain import CONTENT_FIELDS, utc_iso
from models.audit_legacy import GENESIS_HASH, event_hash
from models.clock import utcnow
from tests.audit_ledger import LedgerDatabase, drop, ledger_database, read, verify
from tests.conftest import admin_token, gql, sign_in
from tests.sharing import ACCOUNTS, ok

HISTORY = "{ myAccessHistory { edges { node { accessorKind subject categoriesMasked } } } }"
OLD_READ = {
    "request_id": "req-old-00000001",
    "viewer_kind": "ADMIN",
    "viewer_ref": "account:7",
    "subject_ref": "account:2",
    "action": "READ",
    "categories_clear": [],
    "categories_masked": ["contact.phone", "identity.name"],
    "categories_blocked": [],
    "basis": "none",
    "details": {},
}
OLD_EVENTS = [
    {**OLD_READ, "subject_ref": "account:1"},
    OLD_READ,
    {**OLD_READ, "action": "CONSENT_GRANTED", "viewer_kind": "PERSON", "details": {"id": 3}},
]
LEGACY_COLUMNS = ("id", "created_at", *CONTENT_FIELDS, "prev_hash", "hash")


def legacy_rows(events: list[dict[str, Any]]) -> list[list[Any]]:
    """Events as the code before 0010 stored them: chained by the old rule."""
    rows, prev = [], GENESIS_HASH
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for position, event in enumerate(events, 1):
        created = start + timedelta(minutes=position)
        values = [event[name] for name in CONTENT_FIELDS]
        digest = event_hash(position, values, utc_iso(created), prev)
        stored = [
            value if isinstance(value, str | type(None)) else _json(value) for value in values
        ]
        rows.append([position, created, *stored, prev, digest])
        prev = digest
    return rows


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerDatabase]:
    """A database at 0001 holding three events and their head, then migrated to the links."""
    database = ledger_database(tmp_path, monkeypatch, target="models.0001_initial")
    rows = legacy_rows(OLD_EVENTS)
    placeholders = ", ".join("?" * len(LEGACY_COLUMNS))
    database.sql(
        *(
            (f"INSERT INTO audit_event ({', '.join(LEGACY_COLUMNS)}) VALUES ({placeholders})", row)
            for row in rows
        ),
        (
            "INSERT INTO audit_chain_head (id, last_position, last_hash) VALUES (1, ?, ?)",
            [len(rows), rows[-1][-1]],
        ),
    )
    database.migrate()
    yield database
    drop(database)


def test_p_sec_5_events_from_before_the_links_keep_verifying_after_the_migration(migrated, capsys):
    verdict = verify(capsys)
    assert verdict.code == 0, verdict.problems
    assert verdict.report["legacy_events"] == 3

    async def look() -> tuple[list[AuditEntry], AuditLink]:
        return await AuditEntry.all().order_by("id"), await AuditLink.get(position=1)

    copies, cut_over = migrated.run(look)
    assert [(e.id, e.subject_ref, e.action) for e in copies] == [
        (1, "account:1", "READ"),
        (2, "account:2", "READ"),
        (3, "account:2", "CONSENT_GRANTED"),
    ]
    assert (cut_over.chain_id, cut_over.entries, cut_over.legacy_position) == (1, 3, 3)

    migrated.append([read("account:5")])
    assert migrated.rows("SELECT MAX(id) AS id FROM audit_entry")[0]["id"] == 4
    assert verify(capsys).code == 0


def test_p_sec_5_a_changed_old_event_is_named_by_the_old_rule(migrated, capsys):
    migrated.sql("UPDATE audit_event SET subject_ref = 'account:9' WHERE id = 2")
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [("legacy", 2, "the event does not follow the chain before it")]


def test_p_sec_5_old_events_cut_off_or_recomputed_are_named_by_the_cut_over_pin(migrated, capsys):
    migrated.sql("DELETE FROM audit_event WHERE id = 3")
    verdict = verify(capsys)
    assert verdict.problems == [
        ("legacy", 2, "the old events end at 2, and the cut-over (chain 1, position 1) pinned 3")
    ]

    # Event 2 changed and the old chain recomputed with the old rule, which needs no key.
    changed = [OLD_EVENTS[0], {**OLD_READ, "categories_masked": []}, OLD_EVENTS[2]]
    migrated.sql(
        "DELETE FROM audit_event",
        *(
            (
                f"INSERT INTO audit_event ({', '.join(LEGACY_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(LEGACY_COLUMNS))})",
                row,
            )
            for row in legacy_rows(changed)
        ),
    )
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [
        (
            "legacy",
            3,
            "the old events end at 3, and the cut-over (chain 1, position 1) pinned 3 with "
            "another hash",
        )
    ]


def test_p_sec_5_a_changed_copy_of_an_old_event_is_named(migrated, capsys):
    migrated.sql("UPDATE audit_entry SET categories_masked = '[]' WHERE id = 2")
    verdict = verify(capsys)
    assert verdict.problems == [(1, 1, "the entries are not the ones the link covers")]


async def test_p_transparency_1_history_and_export_show_reads_from_before_and_after_it(
    migrated, tmp_path
):
    app = create_app(migrated.settings, manage_database=False)
    await Tortoise.init(config=tortoise_config(migrated.url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            owner = await sign_in(client, 0)
            # Account 2, read by an admin before the migration.
            person = await sign_in(client, 1)
            admin = await admin_token(client, migrated.settings)
            ok(await gql(client, ACCOUNTS, token=admin))
            history = ok(await gql(client, HISTORY, token=person))["myAccessHistory"]["edges"]
            exported = ok(await gql(client, "{ exportMyData }", token=person))["exportMyData"]
            first = ok(await gql(client, HISTORY, token=owner))["myAccessHistory"]["edges"]
    finally:
        await Tortoise.close_connections()
    masked = ["contact.email", "contact.phone", "identity.name", "org.company"]
    assert [edge["node"] for edge in history] == [
        {"accessorKind": "ADMIN", "subject": "account", "categoriesMasked": masked},
        {
            "accessorKind": "ADMIN",
            "subject": "account",
            "categoriesMasked": ["contact.phone", "identity.name"],
        },
    ]
    admin_reads = [
        (event["created_at"][:10], event["categories_masked"])
        for event in exported["access_history"]
        if (event["action"], event["by"]) == ("READ", ADMIN_NAME)
    ]
    today = utcnow().date().isoformat()
    assert admin_reads == [("2026-11-01", ["contact.phone", "identity.name"]), (today, masked)]
    assert len(first) == 2
