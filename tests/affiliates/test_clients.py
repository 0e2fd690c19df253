"""An API client asks what it may see (`apiClient`); admins list the clients they issued and
rotate a token with an overlap in which both work (P-SHARE-1, P-SHARE-2)."""

from datetime import timedelta

from models.audit import AuditEntry
from models.clock import set_clock, utcnow
from tests.conftest import admin_token, gql, sign_in
from tests.sharing import create_affiliate, grant, issue_client, ok, publish_policy

CALLING = """{ apiClient { id name purpose categories expiresAt consentingPeople
                           affiliate { id name region } } }"""
LIST = """query($id: ID) { apiClients(affiliateId: $id) {
  id name purpose revokedAt rotatedAt previousTokenValidUntil affiliate { id } } }"""
ROTATE = """mutation($id: ID!, $hours: Int!) {
  rotateApiClient(clientId: $id, overlapHours: $hours) {
    token client { id rotatedAt previousTokenValidUntil } } }"""


async def test_p_share_1_a_client_sees_its_scope_and_how_many_people_consent(client, settings):
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    token = await issue_client(client, admin, affiliate)
    before = ok(await gql(client, CALLING, token=token))["apiClient"]
    assert before["purpose"] == "support" and before["affiliate"]["id"] == affiliate
    assert before["categories"] == ["contact.phone", "contact.email", "identity.name"]
    assert before["consentingPeople"] == 0
    for n in (1, 2):
        await grant(client, await sign_in(client, n), affiliate)
    await sign_in(client, 3)  # no consent: not counted
    after = ok(await gql(client, CALLING, token=token))["apiClient"]
    listed = ok(await gql(client, "{ accounts { edges { node { id } } } }", token=token))
    assert after["consentingPeople"] == 2 == len(listed["accounts"]["edges"])
    # People and admins are not API clients.
    assert ok(await gql(client, CALLING, token=admin)) == {"apiClient": None}


async def test_admins_list_the_clients_of_a_recipient_and_no_one_else_may(client, settings):
    admin = await admin_token(client, settings)
    first = await create_affiliate(client, admin)
    second = await create_affiliate(client, admin, name="第三方物流")
    mine = [await issue_client(client, admin, first) for _ in range(2)]
    await issue_client(client, admin, second)
    listed = ok(await gql(client, LIST, {"id": first}, token=admin))["apiClients"]
    assert len(listed) == 2 and {row["affiliate"]["id"] for row in listed} == {first}
    assert [int(row["id"]) for row in listed] == sorted(
        (int(row["id"]) for row in listed), reverse=True
    )
    assert len(ok(await gql(client, LIST, token=admin))["apiClients"]) == 3
    person = await sign_in(client, 1)
    assert (await gql(client, LIST, {"id": first}, token=person)).codes == ["FORBIDDEN"]
    assert (await gql(client, LIST, {"id": first}, token=mine[0])).codes == ["UNAUTHENTICATED"]
    assert (await gql(client, LIST, {"id": "999"}, token=admin)).codes == ["VALIDATION_FAILED"]


async def test_p_share_2_a_rotated_token_works_through_the_overlap_then_stops(client, settings):
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    old = await issue_client(client, admin, affiliate)
    client_id = ok(await gql(client, CALLING, token=old))["apiClient"]["id"]
    rotated = ok(await gql(client, ROTATE, {"id": client_id, "hours": 2}, token=admin))
    new = rotated["rotateApiClient"]["token"]
    assert new.startswith("cqc_") and new != old
    for token in (old, new):
        assert ok(await gql(client, CALLING, token=token))["apiClient"]["id"] == client_id
    events = await AuditEntry.filter(action="API_CLIENT_ROTATED")
    assert (
        len(events) == 1 and new not in str(events[0].details) and old not in str(events[0].details)
    )
    later = utcnow() + timedelta(hours=3)
    set_clock(lambda: later)
    try:
        assert (await gql(client, CALLING, token=old)).codes == ["TOKEN_EXPIRED"]
        assert ok(await gql(client, CALLING, token=new))["apiClient"]["id"] == client_id
    finally:
        set_clock()


async def test_a_second_rotation_ends_the_first_old_token_at_once(client, settings):
    admin = await admin_token(client, settings)
    first = await issue_client(client, admin, await create_affiliate(client, admin))
    client_id = ok(await gql(client, CALLING, token=first))["apiClient"]["id"]
    second = ok(await gql(client, ROTATE, {"id": client_id, "hours": 24}, token=admin))
    third = ok(await gql(client, ROTATE, {"id": client_id, "hours": 24}, token=admin))
    # Only the latest replaced token is remembered; the one before is not known any more.
    assert (await gql(client, CALLING, token=first)).codes == ["INVALID_TOKEN"]
    for token in (second, third):
        assert ok(await gql(client, CALLING, token=token["rotateApiClient"]["token"]))["apiClient"]


async def test_a_revoked_client_is_not_rotated_and_both_its_tokens_stop(client, settings):
    admin = await admin_token(client, settings)
    old = await issue_client(client, admin, await create_affiliate(client, admin))
    client_id = ok(await gql(client, CALLING, token=old))["apiClient"]["id"]
    new = ok(await gql(client, ROTATE, {"id": client_id, "hours": 24}, token=admin))
    revoke = "mutation($id: ID!) { revokeApiClient(clientId: $id) { id } }"
    ok(await gql(client, revoke, {"id": client_id}, token=admin))
    for token in (old, new["rotateApiClient"]["token"]):
        assert (await gql(client, CALLING, token=token)).codes == ["TOKEN_REVOKED"]
    again = await gql(client, ROTATE, {"id": client_id, "hours": 24}, token=admin)
    assert again.codes == ["CONFLICT"]
