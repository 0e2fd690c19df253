"""The access ledger (P-SEC-5): one event per (request, viewer, subject), hash-chained and
verifiable with one command; and what a person learns from it (P-TRANSPARENCY-1)."""

import asyncio
import sqlite3

from tortoise import Tortoise, connections
from tortoise.exceptions import OperationalError

from api import cli
from api.database import migrate, tortoise_config
from models.audit import AuditEvent, append_events, verify_chain
from tests.conftest import MASTER_KEY, admin_token, gql, make_settings, sign_in
from tests.sharing import (
    ACCOUNTS,
    create_affiliate,
    grant,
    issue_client,
    listed_ids,
    ok,
    person_with_id,
    publish_policy,
)

HISTORY = """{ myAccessHistory { edges { node {
  accessorKind accessor subject categoriesClear categoriesMasked categoriesBlocked basis
  legalGrounds } } pageInfo { hasNextPage } } }"""


async def sharing_world(client, settings, people: int) -> dict[str, object]:
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    api = await issue_client(client, admin, affiliate)
    persons = [await person_with_id(client, n) for n in range(people)]
    for token, _ in persons:
        await grant(client, token, affiliate)
    return {"admin": admin, "api": api, "persons": persons}


async def test_p_sec_5_one_event_per_request_viewer_and_subject_not_per_field(client, settings):
    world = await sharing_world(client, settings, 5)
    last = await AuditEvent.all().order_by("-id").first()
    assert last is not None
    result = await gql(client, ACCOUNTS, token=world["api"])
    assert len(result.data["accounts"]["edges"]) == 5
    reads = await AuditEvent.filter(id__gt=last.id)
    # 5 rows x 4 fields were decided; 5 subjects were seen.
    assert len(reads) == 5
    assert len({event.subject_ref for event in reads}) == 5
    assert len({event.request_id for event in reads}) == 1
    assert {tuple(event.categories_clear) for event in reads} == {
        ("contact.phone", "identity.name")
    }
    assert {tuple(event.categories_masked) for event in reads} == {("contact.email", "org.company")}
    assert all(event.viewer_kind == "API_CLIENT" for event in reads)


async def test_p_sec_5_the_chain_verifies_and_a_raw_sql_tamper_is_named(client, settings, db):
    world = await sharing_world(client, settings, 2)
    await listed_ids(client, world["api"])
    assert await verify_chain() is None
    victim = await AuditEvent.filter(action="READ").order_by("id").first()
    assert victim is not None
    await connections.get("default").execute_query(
        f"UPDATE audit_event SET categories_clear = '[]' WHERE id = {victim.id}"
    )
    assert await verify_chain() == victim.id


async def test_p_transparency_1_access_history_lists_client_and_admin_reads_not_the_owners(
    client, settings
):
    world = await sharing_world(client, settings, 2)
    (owner, _), (other, _) = world["persons"]
    await listed_ids(client, world["api"])
    await listed_ids(client, world["admin"])
    ok(await gql(client, "{ me { phone name } }", token=owner))
    ok(await gql(client, "{ me { phone name } }", token=other))
    history = ok(await gql(client, HISTORY, token=owner))["myAccessHistory"]
    events = [edge["node"] for edge in history["edges"]]
    assert events == [
        {
            "accessorKind": "ADMIN",
            "accessor": "admin",
            "subject": "account",
            "categoriesClear": [],
            "categoriesMasked": ["contact.email", "contact.phone", "identity.name", "org.company"],
            "categoriesBlocked": [],
            "basis": "none",
            "legalGrounds": [],
        },
        {
            "accessorKind": "API_CLIENT",
            "accessor": "翼支付 / 客服工单系统",
            "subject": "account",
            "categoriesClear": ["contact.phone", "identity.name"],
            "categoriesMasked": ["contact.email", "org.company"],
            "categoriesBlocked": [],
            "basis": events[1]["basis"],
            "legalGrounds": [],
        },
    ]
    assert events[1]["basis"].startswith("consent:")
    # Reading one's history is no access to anyone's data: it adds nothing to it.
    again = ok(await gql(client, HISTORY, token=owner))["myAccessHistory"]
    assert len(again["edges"]) == 2
    assert (await gql(client, HISTORY, token=world["api"])).codes == ["UNAUTHENTICATED"]


async def seed_chain(url: str, settings) -> None:
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(url))
    try:
        for n in range(3):
            await append_events(
                [
                    {
                        "viewer_kind": "ADMIN",
                        "viewer_ref": "account:1",
                        "subject_ref": f"account:{n}",
                        "action": "READ",
                        "basis": "none",
                    }
                ]
            )
    finally:
        await Tortoise.close_connections()


def test_p_sec_5_consentql_audit_verify_passes_then_names_the_tampered_event(
    tmp_path, monkeypatch, capsys
):
    database = tmp_path / "audit.sqlite3"
    monkeypatch.setenv("CONSENTQL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONSENTQL_DATABASE_URL", f"sqlite://{database}")
    monkeypatch.setenv("CONSENTQL_MASTER_KEY", MASTER_KEY)
    settings = make_settings(tmp_path, database_url=f"sqlite://{database}")
    asyncio.run(seed_chain(f"sqlite://{database}", settings))

    assert cli.main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (3 events)"

    with sqlite3.connect(database) as raw:
        raw.execute("UPDATE audit_event SET subject_ref = 'account:9' WHERE id = 2")
    assert cli.main(["audit", "verify"]) == 1
    assert "chain broken at event 2" in capsys.readouterr().err


async def test_p_sec_5_nothing_is_shown_when_the_ledger_cannot_be_written(
    client, monkeypatch, caplog
):
    """A database going away mid-request (seen in bench/fault.py) must not leak its message,
    and the data read must not leave without its ledger entry."""
    token = await sign_in(client)

    async def database_gone(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("api.audit.ledger.append_events", database_gone)
    result = await gql(client, "{ me { id name phone } }", token=token)
    assert result["data"] is None
    assert [error["message"] for error in result["errors"]] == ["Unexpected error."]
    assert "shutting down" not in str(result)
    assert "the access ledger could not be written" in caplog.text
