"""Register, sign in, `me`, sign out, change the password: through the HTTP app."""

from tests.conftest import LOGIN, REGISTER, gql, register, registration_input, sign_in

ME = "{ me { id phone email name company role status } }"


async def test_p_collect_1_register_takes_four_details_and_returns_them_to_the_registrant(client):
    result = await gql(client, REGISTER, {"input": await registration_input(client)})
    assert result.get("errors") is None, result
    assert result.data["register"] | {"id": None} == {
        "id": None,
        "phone": "13800130000",
        "name": "张三",
        "email": "zhang.san0@example.com",
        "company": "示例科技有限公司",
    }


async def test_p_rights_1_me_shows_everything_unmasked(client):
    token = await sign_in(client)
    result = await gql(client, ME, token=token)
    assert result.data["me"]["phone"] == "13800130000"
    assert result.data["me"]["email"] == "zhang.san0@example.com"
    assert "extensions" not in result or not result["extensions"].get("consent")


async def test_login_by_email_sets_an_httponly_lax_cookie_that_signs_in(client):
    details = await register(client)
    response = await client.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"login": details["email"], "password": details["password"]}},
        },
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    me = await client.post("/graphql", json={"query": ME})
    assert me.json()["data"]["me"]["name"] == "张三"


async def test_wrong_password_and_unknown_login_give_the_same_error(client):
    details = await register(client)
    wrong = await gql(client, LOGIN, {"input": {"login": details["phone"], "password": "x" * 12}})
    unknown = await gql(client, LOGIN, {"input": {"login": "13900139000", "password": "x" * 12}})
    assert wrong.codes == unknown.codes == ["INVALID_CREDENTIALS"]
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]


async def test_logout_ends_the_session(client):
    token = await sign_in(client)
    assert (await gql(client, "mutation { logout }", token=token)).data == {"logout": True}
    assert (await gql(client, ME, token=token)).codes == ["TOKEN_REVOKED"]


async def test_p_collect_6_change_password_ends_other_sessions(client):
    first = await sign_in(client)
    login = {"login": "13800130000", "password": "correct horse battery"}
    second = (await gql(client, LOGIN, {"input": login})).data["login"]["token"]
    change = """mutation { changePassword(oldPassword: "correct horse battery",
                                          newPassword: "a much better secret") }"""
    assert (await gql(client, change, token=first)).data == {"changePassword": True}
    assert (await gql(client, ME, token=first)).data["me"]["name"] == "张三"
    assert (await gql(client, ME, token=second)).codes == ["TOKEN_REVOKED"]
    old = await gql(client, LOGIN, {"input": login})
    assert old.codes == ["INVALID_CREDENTIALS"]
    login["password"] = "a much better secret"
    assert (await gql(client, LOGIN, {"input": login})).data["login"]["token"]


async def test_change_password_needs_the_old_one(client):
    token = await sign_in(client)
    change = 'mutation { changePassword(oldPassword: "not it at all", newPassword: "x" ) }'
    result = await gql(client, change.replace('"x"', '"another secret!"'), token=token)
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == "oldPassword"
