"""Start-up, health, the command line, cookies and sessions: what an operator relies on."""

import base64
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from api.http.app import create_app
from api.settings import ConfigurationError, Mode, Settings
from models.accounts import Account, LoginRecord, Session
from models.clock import set_clock, utcnow
from tests.conftest import LOGIN, admin_token, gql, make_settings, register, sign_in

ME = "{ me { name } }"


async def test_healthz_checks_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_is_served_to_a_browser(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_production_without_a_master_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="CONSENTQL_MASTER_KEY"):
        create_app(Settings(mode=Mode.PRODUCTION, data_dir=tmp_path))


def test_p_region_1_storage_outside_mainland_china_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="P-REGION-1"):
        create_app(make_settings(tmp_path, storage_region="HK"))


def test_development_generates_one_master_key_readable_by_its_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = settings.load_master_key()
    assert len(first) == 32 and settings.load_master_key() == first
    assert oct((tmp_path / "master.key").stat().st_mode & 0o777) == "0o600"


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
        assert (await gql(client, ME, token=token)).data == {"me": None}
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


async def test_p_rights_2_update_profile_validates_and_keeps_only_the_fact(client):
    token = await sign_in(client)
    update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { phone city } }"
    changed = await gql(
        client, update, {"input": {"phone": "13900139000", "city": "杭州"}}, token=token
    )
    assert changed.data["updateProfile"] == {"phone": "13900139000", "city": "杭州"}
    bad = await gql(client, update, {"input": {"phone": "123", "city": "上海"}}, token=token)
    assert bad.codes == ["VALIDATION_FAILED"]
    me = await gql(client, "{ me { phone city } }", token=token)
    assert me.data["me"] == {"phone": "13900139000", "city": "杭州"}
    login = {"login": "13900139000", "password": "correct horse battery"}
    assert (await gql(client, LOGIN, {"input": login})).data["login"]["token"]


async def test_a_person_cannot_list_accounts_and_an_admin_sees_them_masked(client, settings):
    person = await sign_in(client, 1)
    listing = "{ accounts { edges { node { name phone email } } } }"
    assert (await gql(client, listing, token=person)).codes == ["FORBIDDEN"]
    client.cookies.clear()  # sign_in left the session cookie in this client
    assert (await gql(client, listing)).codes == ["UNAUTHENTICATED"]
    admin = await admin_token(client, settings)
    shown = await gql(client, listing, token=admin)
    names = {edge["node"]["phone"] for edge in shown.data["accounts"]["edges"]}
    assert "138****0001" in names
    assert shown["extensions"]["consent"]["masked"]


def test_admin_create_on_the_command_line(tmp_path):
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path),
        "CONSENTQL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
        "CONSENTQL_MASTER_KEY": base64.b64encode(b"c" * 32).decode(),
        "CONSENTQL_PASSWORD": "admin password 2",
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "1024",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
    }
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "admin",
        "create",
        "--phone",
        "13700137000",
        "--email",
        "ops@example.com",
        "--name",
        "王芳",
        "--company",
        "示例通信有限公司",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Admin account" in done.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "exists" in again.stderr
    bad = subprocess.run([*command[:6], "12"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "phone" in bad.stderr


async def test_unexpected_errors_are_masked_with_internal_server_error_and_logged(
    client, monkeypatch, caplog
):
    token = await sign_in(client)

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail: table order at /srv/db")

    monkeypatch.setattr("api.orders.schema.Order.filter", broken)
    result = await gql(client, "{ orders { edges { cursor } } }", token=token)
    assert result["errors"][0]["message"] == "Unexpected error."
    assert result.codes == ["INTERNAL_SERVER_ERROR"]
    assert "internal detail" not in str(result)
    assert "internal detail" in caplog.text


async def test_p_sec_1_a_masked_region_keeps_the_province_and_hides_the_city(client, settings):
    person = await sign_in(client, 1)
    update = 'mutation { updateProfile(input: {province: "广东", city: "深圳"}) { city } }'
    assert (await gql(client, update, token=person)).data["updateProfile"]["city"] == "深圳"
    admin = await admin_token(client, settings)
    listing = await gql(client, "{ accounts { edges { node { province city } } } }", token=admin)
    regions = [edge["node"] for edge in listing.data["accounts"]["edges"]]
    assert {"province": "广东", "city": "***"} in regions
