"""Legal access without consent, four eyes (P-EXEMPT-1): requested by one admin, approved by
another, for one person, some categories, until an expiry; every read under it audited."""

from datetime import UTC, datetime, timedelta

import pytest

from models.audit import AuditEntry
from models.clock import set_clock, utcnow
from models.consent import LegalAccessGrant
from tests.conftest import admin_token, gql
from tests.sharing import ok, person_with_id, second_admin_token

REQUEST = """mutation($i: LegalAccessInput!) {
  grantLegalAccess(input: $i) { id state requestedById approvedById ground reference categories }
}"""
APPROVE = """mutation($id: ID!) {
  approveLegalAccess(grantId: $id) { id state approvedById approvedAt }
}"""
REVOKE = "mutation($id: ID!) { revokeLegalAccess(grantId: $id) { state } }"
HISTORY = """{ myAccessHistory(first: 1) { edges { node {
  accessor basis legalGrounds categoriesClear } } } }"""
PHONE = "query($id: ID!) { account(id: $id) { phone email } }"


@pytest.fixture
async def case(client, settings):
    requester = await admin_token(client, settings)
    approver = await second_admin_token(client, settings)
    subject, subject_id = await person_with_id(client, 0)
    return {
        "requester": requester,
        "approver": approver,
        "subject": subject,
        "subject_id": subject_id,
    }


def request_input(subject_id: str, **changes: object) -> dict[str, object]:
    return {
        "ground": "CRIMINAL_INVESTIGATION",
        "reference": "京公(刑)字〔2026〕第 117 号",
        "subjectId": subject_id,
        "categories": ["contact.phone"],
        "expiresAt": (utcnow() + timedelta(days=7)).isoformat(),
        **changes,
    }


async def request_grant(client, case, **changes: object) -> dict[str, object]:
    result = await gql(
        client,
        REQUEST,
        {"i": request_input(case["subject_id"], **changes)},
        token=case["requester"],
    )
    return ok(result)["grantLegalAccess"]


async def phone_seen_by(client, token: str, subject_id: str) -> dict[str, str]:
    return ok(await gql(client, PHONE, {"id": subject_id}, token=token))["account"]


async def test_p_exempt_1_admin_sees_masked_phone_and_clear_only_under_an_approved_grant(
    client, case
):
    assert (await phone_seen_by(client, case["requester"], case["subject_id"]))[
        "phone"
    ] == "138****0000"
    grant = await request_grant(client, case)
    assert grant["state"] == "PENDING" and grant["approvedById"] is None
    # Requested but not approved: nothing changes.
    assert (await phone_seen_by(client, case["requester"], case["subject_id"]))[
        "phone"
    ] == "138****0000"
    approved = ok(await gql(client, APPROVE, {"id": grant["id"]}, token=case["approver"]))
    assert approved["approveLegalAccess"]["state"] == "APPROVED"
    seen = await phone_seen_by(client, case["requester"], case["subject_id"])
    # Only the categories the grant names come clear.
    assert seen == {"phone": "13800130000", "email": "z***@***"}
    read = await AuditEntry.filter(action="READ", viewer_kind="ADMIN").order_by("-id").first()
    assert read is not None and read.basis == f"legal:{grant['id']}"
    assert read.categories_clear == ["contact.phone"]
    # P-TRANSPARENCY-1: the person sees the read and the ground it was made on.
    history = ok(await gql(client, HISTORY, token=case["subject"]))["myAccessHistory"]
    assert history["edges"][0]["node"] == {
        "accessor": "admin",
        "basis": f"legal:{grant['id']}",
        "legalGrounds": ["CRIMINAL_INVESTIGATION"],
        "categoriesClear": ["contact.phone"],
    }
    # The approver signed off on the requester's access, not on their own.
    assert (await phone_seen_by(client, case["approver"], case["subject_id"]))[
        "phone"
    ] == "138****0000"


async def test_p_exempt_1_requester_cannot_approve_their_own_grant(client, case):
    grant = await request_grant(client, case)
    refused = await gql(client, APPROVE, {"id": grant["id"]}, token=case["requester"])
    assert refused.codes == ["FORBIDDEN"]
    assert (await LegalAccessGrant.get(id=int(grant["id"]))).approved_by_id is None
    assert (await phone_seen_by(client, case["requester"], case["subject_id"]))[
        "phone"
    ] == "138****0000"


async def approved_grant(client, case, **changes: object) -> dict[str, object]:
    grant = await request_grant(client, case, **changes)
    ok(await gql(client, APPROVE, {"id": grant["id"]}, token=case["approver"]))
    seen = await phone_seen_by(client, case["requester"], case["subject_id"])
    assert seen["phone"] == "13800130000"
    return grant


async def test_p_exempt_1_expired_grant_does_nothing(client, case):
    within_the_session = utcnow() + timedelta(hours=1)
    await approved_grant(client, case, expiresAt=within_the_session.isoformat())
    later = within_the_session + timedelta(minutes=1)
    set_clock(lambda: later)
    try:
        seen = await phone_seen_by(client, case["requester"], case["subject_id"])
    finally:
        set_clock()
    assert seen["phone"] == "138****0000"


async def test_p_exempt_1_revoked_grant_does_nothing(client, case):
    grant = await approved_grant(client, case)
    revoked = ok(await gql(client, REVOKE, {"id": grant["id"]}, token=case["approver"]))
    assert revoked["revokeLegalAccess"]["state"] == "REVOKED"
    seen = await phone_seen_by(client, case["requester"], case["subject_id"])
    assert seen["phone"] == "138****0000"


async def test_p_exempt_1_only_admins_request_or_approve(client, case):
    person, _ = await person_with_id(client, 1)
    grant = await request_grant(client, case)
    asked = await gql(client, REQUEST, {"i": request_input(case["subject_id"])}, token=person)
    approved = await gql(client, APPROVE, {"id": grant["id"]}, token=person)
    assert asked.codes == ["FORBIDDEN"] and approved.codes == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"ground": "CURIOSITY"}, None, None),
        ({"reference": "  "}, "VALIDATION_FAILED", "reference"),
        ({"categories": ["credential.password"]}, "VALIDATION_FAILED", "categories"),
        ({"categories": []}, "VALIDATION_FAILED", "categories"),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, "VALIDATION_FAILED", "expiresAt"),
        (
            {"expiresAt": datetime(2100, 1, 1, tzinfo=UTC).isoformat()},
            "VALIDATION_FAILED",
            "expiresAt",
        ),
        ({"subjectId": "999999"}, "NOT_FOUND", None),
    ],
)
async def test_p_exempt_1_a_request_names_a_ground_reference_scopes_and_expiry(
    client, case, change, code, field
):
    before = await AuditEntry.all().count()
    result = await gql(
        client, REQUEST, {"i": request_input(case["subject_id"], **change)}, token=case["requester"]
    )
    assert result.get("errors"), result
    if code is not None:
        assert result.codes == [code]
        assert result["errors"][0]["extensions"].get("field") == field
    assert await LegalAccessGrant.all().count() == 0
    assert await AuditEntry.all().count() == before


async def test_p_exempt_1_pending_requests_are_listed_for_admins_and_every_step_audited(
    client, case
):
    grant = await request_grant(client, case)
    pending = ok(await gql(client, "{ pendingLegalAccess { id } }", token=case["approver"]))
    assert pending["pendingLegalAccess"] == [{"id": grant["id"]}]
    ok(await gql(client, APPROVE, {"id": grant["id"]}, token=case["approver"]))
    again = await gql(client, APPROVE, {"id": grant["id"]}, token=case["approver"])
    assert again.codes == ["VALIDATION_FAILED"]
    pending = ok(await gql(client, "{ pendingLegalAccess { id } }", token=case["approver"]))
    assert pending["pendingLegalAccess"] == []
    actions = await AuditEntry.filter(action__startswith="LEGAL_ACCESS").values_list(
        "action", "subject_ref"
    )
    subject = f"account:{case['subject_id']}"
    assert actions == [("LEGAL_ACCESS_REQUESTED", subject), ("LEGAL_ACCESS_APPROVED", subject)]
