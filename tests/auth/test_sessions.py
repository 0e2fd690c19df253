"""Sessions and sign-in records: cookies, expiry, rehashing, every attempt on record."""

from datetime import timedelta

from api.http.app import create_app
from api.settings import Mode
from models.accounts import Account, LoginRecord, Session
from models.clock import set_clock, utcnow
from tests.conftest import LOGIN, gql, make_settings, register, sign_in

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
    device_phone = latest.account.data_key.open(latest.device_phone_sealed, "login.device_phone")
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
