"""The access ledger (P-SEC-5): one entry per (request, viewer, subject), committed before the
response leaves, in batches shared by concurrent requests; and what a person learns from it
(P-TRANSPARENCY-1). `tests/test_audit_verify.py` tampers with it through `consentql audit`."""

import asyncio

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError

from api.audit.ledger import Ledger
from models.audit import AuditEntry, AuditLink
from models.audit_chain import CONTENT_FIELDS, Content, dialect_sql
from models.audit_verify import verify_ledger
from tests.conftest import admin_token, gql, sign_in
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

SUBJECT = CONTENT_FIELDS.index("subject_ref")


def read_of(subject: str) -> Content:
    return ("req-1", "API_CLIENT", "client:1", subject, "READ", (), (), (), "none", {})


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
    last = await AuditEntry.all().order_by("-id").first()
    assert last is not None
    result = await gql(client, ACCOUNTS, token=world["api"])
    assert len(result.data["accounts"]["edges"]) == 5
    reads = await AuditEntry.filter(id__gt=last.id)
    # 5 rows x 4 fields were decided; 5 subjects were seen.
    assert len(reads) == 5
    assert len({event.subject_ref for event in reads}) == 5
    assert len({event.request_id for event in reads}) == 1
    assert {tuple(event.categories_clear) for event in reads} == {
        ("contact.phone", "identity.name")
    }
    assert {tuple(event.categories_masked) for event in reads} == {("contact.email", "org.company")}
    assert all(event.viewer_kind == "API_CLIENT" for event in reads)


async def test_p_sec_5_the_ledger_verifies_and_a_raw_sql_tamper_is_named(client, settings, db):
    world = await sharing_world(client, settings, 2)
    await listed_ids(client, world["api"])
    assert (await verify_ledger(None)).problems == []
    victim = await AuditEntry.filter(action="READ").order_by("id").first()
    assert victim is not None
    connection = connections.get("default")
    await connection.execute_query(
        dialect_sql(connection, "UPDATE audit_entry SET categories_clear = '[]' WHERE id = ?"),
        [victim.id],
    )
    [problem] = (await verify_ledger(None)).problems
    assert (problem.chain, problem.position) == (victim.chain_id, victim.link_position)


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


async def test_p_sec_5_nothing_is_shown_when_the_ledger_cannot_be_written(
    client, monkeypatch, caplog
):
    """A database going away mid-request (seen in bench/fault.py) must not leak its message,
    and the data read must not leave without its ledger entry."""
    token = await sign_in(client)

    async def database_gone(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("api.audit.ledger.append_contents", database_gone)
    result = await gql(client, "{ me { id name phone } }", token=token)
    assert result["data"] is None
    assert [error["message"] for error in result["errors"]] == ["Unexpected error."]
    assert "shutting down" not in str(result)
    assert "the access ledger could not be written" in caplog.text


async def test_p_sec_5_concurrent_requests_share_a_batch_and_each_waits_for_its_own(
    client, settings
):
    world = await sharing_world(client, settings, 3)
    before = await AuditLink.all().count()
    requests = [f"request-{n:04d}-abcdef" for n in range(12)]
    results = await asyncio.gather(
        *(
            gql(client, ACCOUNTS, token=world["api"], headers={"x-request-id": request})
            for request in requests
        )
    )
    assert all(len(ok(result)["accounts"]["edges"]) == 3 for result in results)
    reads = await AuditEntry.filter(request_id__in=requests)
    # Every response's entries were committed before it left (3 people each).
    assert sorted(entry.request_id for entry in reads) == sorted(requests * 3)
    links = {(entry.chain_id, entry.link_position) for entry in reads}
    assert len(links) < len(requests)
    assert await AuditLink.all().count() - before == len(links)
    assert (await verify_ledger(None)).problems == []


async def test_p_sec_5_a_batch_gathers_while_the_one_before_is_written(monkeypatch):
    """Group commit: one write at a time per process, each taking everything that arrived
    while the previous one ran; the first goes at once, without waiting for company."""
    batches: list[list[str]] = []
    release = asyncio.Event()

    async def append(entries: list[Content]) -> None:
        batches.append([entry[SUBJECT] for entry in entries])
        if len(batches) == 1:
            await release.wait()

    monkeypatch.setattr("api.audit.ledger.append_contents", append)
    ledger = Ledger()
    first = asyncio.create_task(ledger.record([read_of("account:1")]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert batches == [["account:1"]]
    later = [asyncio.create_task(ledger.record([read_of(f"account:{n}")])) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    assert not first.done()
    release.set()
    await asyncio.gather(first, *later)
    assert batches == [["account:1"], ["account:2", "account:3", "account:4"]]


async def test_p_sec_5_a_failed_batch_fails_every_request_in_it_and_the_next_batch_is_written(
    monkeypatch,
):
    calls = 0

    async def append(entries: list[Content]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0)
            raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("api.audit.ledger.append_contents", append)
    ledger = Ledger()
    failing = [asyncio.create_task(ledger.record([read_of("a")])) for _ in range(3)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    gathered_meanwhile = asyncio.create_task(ledger.record([read_of("b")]))
    outcomes = await asyncio.gather(*failing, return_exceptions=True)
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes)
    await gathered_meanwhile
    assert calls == 2


@pytest.mark.parametrize("entries", [[], ()])
async def test_p_sec_5_nothing_to_record_writes_nothing(monkeypatch, entries):
    async def append(entries: list[Content]) -> None:
        raise AssertionError("no write expected")

    monkeypatch.setattr("api.audit.ledger.append_contents", append)
    await Ledger().record(entries)
