"""A bearer token that opens nothing is refused with HTTP 401 and a code of its own, never taken
for an anonymous caller; a dead session cookie makes the browser anonymous and is cleared."""

from datetime import timedelta

import pytest

from models.clock import set_clock, utcnow
from tests.conftest import admin_token, gql, sign_in
from tests.sharing import create_affiliate, issue_client, publish_policy

ME = "{ me { name } }"


async def refusal(client, token: str) -> tuple[int, str, str]:
    response = await client.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
    )
    [error] = response.json()["errors"]
    assert "data" not in response.json(), "nothing ran"
    return response.status_code, error["extensions"]["code"], response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "token",
    ["cqs_" + "A" * 43, "cqc_" + "A" * 43, "not-a-token", "' OR '1'='1", "cqs_", "x" * 8000],
)
async def test_a_token_this_api_never_issued_is_invalid(client, token):
    status, code, challenge = await refusal(client, token)
    assert (status, code) == (401, "INVALID_TOKEN")
    assert challenge.startswith('Bearer error="invalid_token"')


async def test_an_ended_or_expired_session_token_says_which(client, settings):
    ended = await sign_in(client, 1)
    await gql(client, "mutation { logout }", token=ended)
    assert (await refusal(client, ended))[:2] == (401, "TOKEN_REVOKED")
    expiring = await sign_in(client, 2)
    later = utcnow() + timedelta(hours=settings.session_hours, minutes=1)
    set_clock(lambda: later)
    try:
        assert (await refusal(client, expiring))[:2] == (401, "TOKEN_EXPIRED")
    finally:
        set_clock()


async def test_a_revoked_or_expired_client_token_says_which(client, settings):
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    token = await issue_client(client, admin, affiliate)
    client_id = (await gql(client, "{ apiClient { id } }", token=token)).data["apiClient"]["id"]
    await gql(
        client,
        "mutation($id: ID!) { revokeApiClient(clientId: $id) { id } }",
        {"id": client_id},
        token=admin,
    )
    assert (await refusal(client, token))[:2] == (401, "TOKEN_REVOKED")


async def test_a_dead_session_cookie_is_anonymous_and_cleared(client, settings):
    await sign_in(client)
    await gql(client, "mutation { logout }")
    client.cookies.set(settings.session_cookie, "cqs_" + "B" * 43)
    response = await client.post("/graphql", json={"query": ME})
    assert response.status_code == 200 and response.json() == {"data": {"me": None}}
    [cleared] = response.headers.get_list("set-cookie")
    assert cleared.startswith(f'{settings.session_cookie}=""') and "max-age=0" in cleared.lower()
    # The login that follows works: a dead cookie never locks the browser out.
    assert (await sign_in(client, 3)).startswith("cqs_")
