"""Narrowing a consent through the HTTP app: some categories withdrawn, the rest kept, the old
consent on record as NARROWED (P-WITHDRAW-1, P-SHARE-2, P-UPDATE-1, P-SEC-5)."""

import asyncio
from datetime import timedelta

import pytest

from models.audit import AuditEntry
from models.audit_verify import verify_ledger
from models.clock import utcnow
from models.consent import Consent
from tests.conftest import admin_token, gql, is_server_fault
from tests.sharing import (
    ACCOUNT,
    WITHDRAW_CONSENT,
    create_affiliate,
    grant,
    issue_client,
    ok,
    person_with_id,
    publish_policy,
)

NARROW = """
mutation($id: ID!, $categories: [String!]!) {
  narrowConsent(consentId: $id, categories: $categories) {
    id purpose categories policyVersion withdrawnAt endedReason recipient { id }
    receipt { state }
  }
}"""
MY_CONSENTS = "{ myConsents { id categories withdrawnAt endedReason receipt { state } } }"


@pytest.fixture
async def world(client, settings):
    """A recipient with a client for `support`; person 0 consented to phone, name and email."""
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    api = await issue_client(client, admin, affiliate)
    person, person_id = await person_with_id(client, 0)
    other, _ = await person_with_id(client, 1)
    consent = await grant(
        client,
        person,
        affiliate,
        categories=("contact.phone", "identity.name", "contact.email"),
    )
    return {
        "admin": admin,
        "affiliate": affiliate,
        "api": api,
        "person": person,
        "person_id": person_id,
        "other": other,
        "consent": consent,
    }


async def narrow(client, world, categories, *, token=None, consent_id=None):
    variables = {"id": consent_id or world["consent"]["id"], "categories": categories}
    return await gql(client, NARROW, variables, token=token or world["person"])


async def test_p_withdraw_1_narrowing_keeps_the_rest_and_ends_the_old_consent(client, world):
    before = await gql(client, ACCOUNT, {"id": world["person_id"]}, token=world["api"])
    assert ok(before)["account"]["name"] == "张三"

    narrower = ok(await narrow(client, world, ["contact.phone"]))["narrowConsent"]

    assert narrower["id"] != world["consent"]["id"]
    assert narrower["categories"] == ["contact.phone"]
    assert narrower["purpose"] == "support"
    assert narrower["recipient"]["id"] == world["affiliate"]
    assert narrower["withdrawnAt"] is None and narrower["receipt"]["state"] == "ACTIVE"
    listed = ok(await gql(client, MY_CONSENTS, token=world["person"]))["myConsents"]
    new, old = listed
    assert new["id"] == narrower["id"]
    assert old["id"] == world["consent"]["id"]
    assert old["endedReason"] == "NARROWED" and old["withdrawnAt"]
    assert old["receipt"]["state"] == "NARROWED"
    # From the next request on, the client sees only what is kept.
    after = await gql(client, ACCOUNT, {"id": world["person_id"]}, token=world["api"])
    account = after["data"]["account"]
    assert account["phone"] == "13800130000"
    assert account["name"] != "张三" and account["email"] != "zhang.san0@example.com"


async def test_p_sec_5_narrowing_is_audited_as_an_end_and_a_grant(client, world):
    narrower = ok(await narrow(client, world, ["identity.name", "contact.phone"]))
    new_id = int(narrower["narrowConsent"]["id"])
    old_id = int(world["consent"]["id"])
    [ended] = await AuditEntry.filter(action="CONSENT_NARROWED")
    assert ended.details == {
        "consent_id": old_id,
        "replaced_by": new_id,
        "withdrawn_categories": ["contact.email"],
    }
    granted = await AuditEntry.filter(action="CONSENT_GRANTED").order_by("id")
    assert granted[-1].details["consent_id"] == new_id
    assert granted[-1].details["narrows_consent_id"] == old_id
    assert granted[-1].details["categories"] == ["identity.name", "contact.phone"]
    assert ended.subject_ref == granted[-1].subject_ref == f"account:{world['person_id']}"
    assert (await verify_ledger(None)).problems == []


async def test_p_update_1_the_narrower_consent_rests_on_the_policy_in_effect(client, world):
    await publish_policy("2026-11-01", utcnow() - timedelta(days=1))
    narrower = ok(await narrow(client, world, ["contact.email"]))["narrowConsent"]
    assert world["consent"]["policyVersion"] == "2022-06-07"
    assert narrower["policyVersion"] == "2026-11-01"


@pytest.mark.parametrize(
    "categories",
    [
        [],
        ["contact.phone", "identity.name", "contact.email"],
        ["contact.email", "identity.name", "contact.phone"],
        ["contact.phone", "org.company"],
        ["org.company"],
        ["no.such.category"],
        ["credential.password"],
    ],
)
async def test_only_a_non_empty_strict_subset_narrows_and_nothing_is_written(
    client, world, categories
):
    events = await AuditEntry.all().count()
    result = await narrow(client, world, categories)
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == "categories"
    assert result.data is None
    assert await AuditEntry.all().count() == events
    [consent] = await Consent.all()
    assert consent.withdrawn_at is None


async def test_an_ended_consent_cannot_be_narrowed(client, world):
    ok(await gql(client, WITHDRAW_CONSENT, {"id": world["consent"]["id"]}, token=world["person"]))
    result = await narrow(client, world, ["contact.phone"])
    assert result.codes == ["CONFLICT"]
    assert await Consent.all().count() == 1


async def test_someone_elses_consent_is_not_found_like_a_missing_one(client, world):
    foreign = await narrow(client, world, ["contact.phone"], token=world["other"])
    missing = await narrow(client, world, ["contact.phone"], consent_id="999999")
    assert foreign.codes == missing.codes == ["NOT_FOUND"]
    assert foreign["errors"][0]["message"] == missing["errors"][0]["message"]
    client.cookies.clear()
    anonymous = await gql(client, NARROW, {"id": world["consent"]["id"], "categories": []})
    assert anonymous.codes == ["UNAUTHENTICATED"]
    assert await Consent.all().count() == 1


async def test_p_withdraw_1_two_narrowings_at_once_end_the_consent_once(client, world):
    client.cookies.clear()
    results = await asyncio.gather(
        narrow(client, world, ["contact.phone"]),
        narrow(client, world, ["identity.name"]),
    )
    outcomes = sorted("ok" if not r.get("errors") else r.codes[0] for r in results)
    assert not any(is_server_fault(e) for r in results for e in r.get("errors") or [])
    assert outcomes == ["CONFLICT", "ok"]
    live = await Consent.filter(withdrawn_at=None)
    assert len(live) == 1 and len(live[0].categories) == 1
    assert await AuditEntry.filter(action="CONSENT_NARROWED").count() == 1
