"""P-DNT-1, P-COOKIE-1, P-COLLECT-3: Do Not Track, GPC, device logs and cookies over HTTP."""

import pytest

from models.accounts import Account, DeviceLog, LoginRecord
from models.consent import AffiliateKind
from tests.conftest import LOGIN, gql, person, register, registration_input, sign_in
from tests.privacy.test_cancellation import client_token

DEVICE = """
mutation($input: RecordDeviceLogInput!) {
  recordDeviceLog(input: $input) { recorded reason deviceLog { os deviceId networkStatus } }
}"""
LOG = {"os": "HarmonyOS 5", "deviceId": "OAID-0f3c2a", "networkStatus": "4G"}


async def test_p_collect_3_device_log_is_recorded_with_the_device_id_sealed(client):
    token = await sign_in(client)
    result = await gql(client, DEVICE, {"input": LOG}, token=token)
    assert result.data["recordDeviceLog"] == {
        "recorded": True,
        "reason": None,
        "deviceLog": {"os": "HarmonyOS 5", "deviceId": "OAID-0f3c2a", "networkStatus": "4G"},
    }
    stored = await DeviceLog.get()
    assert b"OAID-0f3c2a" not in stored.device_id_sealed


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
async def test_p_dnt_1_no_device_log_is_written_under_dnt_or_gpc(client, header):
    token = await sign_in(client)
    result = await gql(client, DEVICE, {"input": LOG}, token=token, headers=header)
    outcome = result.data["recordDeviceLog"]
    assert (outcome["recorded"], outcome["deviceLog"]) == (False, None)
    assert "Do Not Track" in outcome["reason"]
    assert await DeviceLog.all().count() == 0


async def test_p_dnt_1_sign_in_security_records_stay_under_dnt(client):
    details = await register(client)
    login = {"login": details["phone"], "password": details["password"]}
    await gql(client, LOGIN, {"input": login}, headers={"DNT": "1"})
    assert await LoginRecord.filter(success=True).count() == 1


async def test_p_dnt_1_optional_processing_counts_as_not_consented_under_dnt(client):
    await sign_in(client)
    account = await Account.get()
    third_party = await client_token(account.id, AffiliateKind.THIRD_PARTY)
    query = "query($id: ID!) { account(id: $id) { name } }"
    seen = await gql(client, query, {"id": str(account.id)}, token=third_party)
    assert seen.data["account"]["name"] == person()["name"]
    tracked = await gql(
        client, query, {"id": str(account.id)}, token=third_party, headers={"Sec-GPC": "1"}
    )
    assert tracked.codes == ["NOT_FOUND"]


PREFERENCES = "{ me { privacyPreferences { doNotTrack setAt source } } }"
SET_DNT = """
mutation($on: Boolean!) { setDoNotTrack(enabled: $on) { doNotTrack setAt source } }"""


async def test_p_dnt_1_a_persons_signal_is_their_choice_and_binds_every_later_viewer(client):
    """The person browses once with GPC; a third party that sends no header still reads nothing
    of them, and lists them not at all, until the person changes their mind."""
    token = await sign_in(client)
    account = await Account.get()
    third_party = await client_token(account.id, AffiliateKind.THIRD_PARTY)
    one = "query($id: ID!) { account(id: $id) { name } }"
    listed = "{ accounts { edges { node { id } } } }"
    assert (await gql(client, one, {"id": str(account.id)}, token=third_party)).data["account"]

    await gql(client, "{ me { id } }", token=token, headers={"Sec-GPC": "1"})
    preferences = (await gql(client, PREFERENCES, token=token)).data["me"]["privacyPreferences"]
    assert (preferences["doNotTrack"], preferences["source"]) == (True, "GPC")
    assert preferences["setAt"] is not None
    assert (await gql(client, one, {"id": str(account.id)}, token=third_party)).codes == [
        "NOT_FOUND"
    ]
    assert (await gql(client, listed, token=third_party)).data["accounts"]["edges"] == []
    # No behaviour record either, though this request sends no header.
    device = await gql(client, DEVICE, {"input": LOG}, token=token)
    assert device.data["recordDeviceLog"]["recorded"] is False

    changed = await gql(client, SET_DNT, {"on": False}, token=token)
    assert changed.data["setDoNotTrack"]["doNotTrack"] is False
    assert changed.data["setDoNotTrack"]["source"] == "SETTINGS"
    seen = await gql(client, one, {"id": str(account.id)}, token=third_party)
    assert seen.data["account"]["name"] == person()["name"]
    assert [
        edge["node"]["id"]
        for edge in (await gql(client, listed, token=third_party)).data["accounts"]["edges"]
    ] == [str(account.id)]


async def test_p_dnt_1_the_gpc_support_resource_is_served(client):
    response = await client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"gpc": True}


async def test_p_cookie_1_only_the_session_cookie_is_ever_set(client, settings):
    set_cookies: list[str] = []

    async def call(query: str, variables: dict | None = None, **headers: str) -> dict:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        set_cookies.extend(response.headers.get_list("set-cookie"))
        return response.json()

    details = await registration_input(client)
    await call(
        "mutation($input: RegisterInput!) { register(input: $input) { id } }", {"input": details}
    )
    await call(LOGIN, {"input": {"login": details["phone"], "password": details["password"]}})
    await call("{ me { name phone orders { edges { node { id } } } } }")
    await call(DEVICE, {"input": LOG})
    await call(DEVICE, {"input": LOG}, DNT="1")
    await call("{ exportMyData }")
    await call("mutation { logout }")
    for path in ("/healthz", "/.well-known/gpc.json", "/graphql"):
        response = await client.get(path, headers={"accept": "text/html"})
        set_cookies.extend(response.headers.get_list("set-cookie"))
    names = {cookie.split("=", 1)[0] for cookie in set_cookies}
    assert names == {settings.session_cookie}
    assert all("httponly" in cookie.lower() for cookie in set_cookies)
