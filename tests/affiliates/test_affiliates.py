"""Recipients and their API clients, managed by admins (P-SHARE-1, P-SHARE-2): validated, audited,
the token shown once and kept only as a digest, revocation and expiry effective at once."""

from datetime import timedelta

import pytest

from api.auth.tokens import digest
from models.audit import AuditEntry
from models.clock import set_clock, utcnow
from models.consent import Affiliate, ApiClient
from tests.conftest import admin_token, gql, sign_in
from tests.sharing import (
    ACCOUNTS,
    CREATE_AFFILIATE,
    ISSUE_CLIENT,
    create_affiliate,
    issue_client,
    ok,
    publish_policy,
)

REVOKE = "mutation($id: ID!) { revokeApiClient(clientId: $id) { id revokedAt } }"


def affiliate_input(**changes: object) -> dict[str, object]:
    return {
        "name": "翼支付",
        "kind": "AFFILIATE",
        "region": "CN",
        "purposes": ["support"],
    } | changes


def client_input(affiliate_id: str, **changes: object) -> dict[str, object]:
    return {
        "affiliateId": affiliate_id,
        "name": "客服工单系统",
        "purpose": "support",
        "categories": ["contact.phone"],
    } | changes


async def test_only_admins_manage_recipients_and_clients(client, settings):
    admin = await admin_token(client, settings)
    person = await sign_in(client, 1)
    affiliate = await create_affiliate(client, admin)
    made = await gql(client, CREATE_AFFILIATE, {"input": affiliate_input()}, token=person)
    issued = await gql(client, ISSUE_CLIENT, {"input": client_input(affiliate)}, token=person)
    assert made.codes == ["FORBIDDEN"] and issued.codes == ["FORBIDDEN"]
    assert await Affiliate.all().count() == 1 and await ApiClient.all().count() == 0


async def test_p_share_2_the_token_is_shown_once_and_kept_as_a_digest(client, settings):
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    token = await issue_client(client, admin, affiliate)
    assert token.startswith("cqc_")
    stored = await ApiClient.get()
    assert stored.token_hash == digest(token) and token not in str(stored.__dict__)
    events = await AuditEntry.filter(action__in=["AFFILIATE_CREATED", "API_CLIENT_ISSUED"])
    assert len(events) == 2 and all(token not in str(e.details) for e in events)


async def test_a_revoked_or_expired_client_is_refused_with_its_own_code(client, settings):
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    revoked = await issue_client(client, admin, affiliate)
    client_id = (await ApiClient.get(token_hash=digest(revoked))).id
    assert ok(await gql(client, ACCOUNTS, token=revoked))["accounts"]["edges"] == []
    ok(await gql(client, REVOKE, {"id": str(client_id)}, token=admin))
    assert (await gql(client, ACCOUNTS, token=revoked)).codes == ["TOKEN_REVOKED"]

    expires = (utcnow() + timedelta(hours=1)).isoformat()
    result = await gql(
        client, ISSUE_CLIENT, {"input": client_input(affiliate, expiresAt=expires)}, token=admin
    )
    expiring = ok(result)["issueApiClient"]["token"]
    assert ok(await gql(client, ACCOUNTS, token=expiring))["accounts"]["edges"] == []
    later = utcnow() + timedelta(hours=2)
    set_clock(lambda: later)
    try:
        assert (await gql(client, ACCOUNTS, token=expiring)).codes == ["TOKEN_EXPIRED"]
    finally:
        set_clock()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"region": "China"}, "region"),
        ({"purposes": []}, "purposes"),
        ({"purposes": ["Not A Slug"]}, "purposes"),
    ],
)
async def test_create_affiliate_validates_and_writes_nothing(client, settings, change, field):
    admin = await admin_token(client, settings)
    result = await gql(client, CREATE_AFFILIATE, {"input": affiliate_input(**change)}, token=admin)
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert await Affiliate.all().count() == 0
    assert await AuditEntry.filter(action="AFFILIATE_CREATED").count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"categories": ["credential.password"]}, "categories"),
        ({"categories": ["nope"]}, "categories"),
        ({"affiliateId": "999999"}, "affiliateId"),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, "expiresAt"),
    ],
)
async def test_issue_api_client_validates_and_writes_nothing(client, settings, change, field):
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    result = await gql(
        client, ISSUE_CLIENT, {"input": client_input(affiliate, **change)}, token=admin
    )
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert await ApiClient.all().count() == 0
