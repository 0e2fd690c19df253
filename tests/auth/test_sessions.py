"""Sessions and sign-in records: cookies, expiry, rehashing, every attempt on record."""

from datetime import timedelta

from api.http.app import create_app
from api.settings import Mode
from models.accounts import Account, LoginRecord, Session
from models.clock import set_clock, utcnow
from tests.conftest import LOGIN, admin_token, gql, make_settings, register, sign_in
from tests.sharing import create_affiliate, grant, issue_client, publish_policy

ME = "{ me { name } }"


async def test_p_cookie_1_secure_session_cookie_in_production(db, tmp_path):
    import httpx

    settings = make_settings(tmp_path, mode=Mode.PRODUCTION)
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://consentql.test") as http:
        details = await register(http)
        response = await http.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {
                    "input": {"login": details["phone"], "password": "correct horse battery"}
                },
            },
        )
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    assert all(flag in cookies[0].lower() for flag in ("httponly", "samesite=lax", "secure"))


async def test_p_collect_2_every_sign_in_attempt_is_recorded_without_the_password(client):
    details = await register(client)
    client_info = {
        "networkType": "5G",
        "os": "HarmonyOS 5",
        "clientVersion": "3.3.0",
        "devicePhone": "13800130000",
    }
    await gql(
        client,
        LOGIN,
        {
            "input": {
                "login": details["phone"],
                "password": "wrong password!",
                "client": client_info,
            }
        },
    )
    await gql(
        client,
        LOGIN,
        {
            "input": {
                "login": details["phone"],
                "password": details["password"],
                "client": client_info,
            }
        },
    )
    records = await LoginRecord.all().order_by("id").select_related("account__data_key")
    assert [record.success for record in records] == [False, True]
    latest = records[-1]
    assert (latest.network_type, latest.os, latest.client_version) == ("5G", "HarmonyOS 5", "3.3.0")
    assert latest.ip and latest.login_hash
    device_phone = latest.device_phone
    assert device_phone == "13800130000"
    assert "wrong password!" not in repr([record.__dict__ for record in records])


async def test_sessions_expire(client, settings):
    token = await sign_in(client)
    start = utcnow()
    set_clock(lambda: start + timedelta(hours=settings.session_hours, minutes=1))
    try:
        assert (await gql(client, ME, token=token)).codes == ["TOKEN_EXPIRED"]
        # The same session as a cookie: a browser resends it, so it is dropped, not refused.
        assert (await gql(client, ME)).data == {"me": None}
    finally:
        set_clock()
    assert await Session.filter(ended_at=None).count() == 1  # expired, not ended: kept for audit


async def test_login_rehashes_when_the_parameters_change(client, settings, tmp_path):
    import httpx

    details = await register(client)
    before = (await Account.get(name="张三")).password_hash
    stronger = make_settings(tmp_path, argon2_time_cost=2)
    transport = httpx.ASGITransport(app=create_app(stronger, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        result = await gql(
            http, LOGIN, {"input": {"login": details["email"], "password": details["password"]}}
        )
    assert result.get("errors") is None
    after = (await Account.get(name="张三")).password_hash
    assert after != before and "t=2" in after


async def test_p_collect_2_p_sec_3_what_an_unproven_caller_sends_is_never_the_holders_data(
    client, settings
):
    """Without any session, a failed sign-in as A that names B's number as the device's: nothing
    of what that caller said is kept as A's, so no client A consented to reads B's number, A's
    export holds none of it, and B's number was never disclosed by anyone."""
    a = await register(client, 1)
    b = await register(client, 2)
    client.cookies.clear()
    claimed = {"devicePhone": b["phone"], "os": "Attacker OS", "networkType": "WIFI"}
    wrong = {"login": a["phone"], "password": "not the password", "client": claimed}
    assert (await gql(client, LOGIN, {"input": wrong})).codes == ["INVALID_CREDENTIALS"]
    [attempt] = await LoginRecord.all()
    assert attempt.account_id == int(a["id"]) and not attempt.success
    assert (attempt.device_phone_sealed, attempt.os, attempt.network_type) == (None, None, None)

    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    reader = await issue_client(
        client, admin, affiliate, categories=("contact.phone", "activity.logins", "device.info")
    )
    a_token = (
        await gql(client, LOGIN, {"input": {"login": a["phone"], "password": a["password"]}})
    ).data["login"]["token"]
    await grant(
        client, a_token, affiliate, categories=("contact.phone", "activity.logins", "device.info")
    )
    records = """query($id: ID!) {
      account(id: $id) { loginRecords { edges { node { success os devicePhone } } } }
    }"""
    seen = await gql(client, records, {"id": a["id"]}, token=reader)
    nodes = [edge["node"] for edge in seen.data["account"]["loginRecords"]["edges"]]
    assert {"success": False, "os": None, "devicePhone": None} in nodes
    assert all(node["devicePhone"] != b["phone"] for node in nodes)
    exported = await gql(client, "{ exportMyData }", token=a_token)
    assert b["phone"] not in str(exported.data["exportMyData"])
