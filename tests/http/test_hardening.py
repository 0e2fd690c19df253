"""P-SEC-4, P-COOKIE-1: hostile requests meet the limits through the real app, over HTTP.

The limits themselves are tested one by one on a toy schema (test_query_limits.py); here each is
provoked against the real schema and must be refused before anything runs, with its code.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise.context import TortoiseContext

from api.http.app import create_app
from models.accounts import Account
from tests.conftest import (
    LOGIN,
    REGISTER,
    GraphQLResponse,
    admin_token,
    gql,
    make_settings,
    register,
    registration_input,
    sign_in,
)

DEEP = "{ accounts { edges { node { orders { edges { node { id } } } } } } }"
ALIASED = "{ me { " + " ".join(f"a{n}: id" for n in range(16)) + " } }"
LONG = "{ me { " + "id name " * 520 + "} }"
DIRECTED = "{ me { " + "id @include(if: true) " * 51 + "} }"
WIDE = "{ " + " ".join(f"r{n}: me {{ id }}" for n in range(11)) + " }"
COSTLY = (
    "{ accounts(first: 100) { edges { node {"
    " orders(first: 100) { pageInfo { hasNextPage } } } } } }"
)
HOSTILE = {
    "QUERY_TOO_DEEP": DEEP,
    "TOO_MANY_ALIASES": ALIASED,
    "TOO_MANY_TOKENS": LONG,
    "TOO_MANY_DIRECTIVES": DIRECTED,
    "TOO_MANY_ROOT_FIELDS": WIDE,
    "QUERY_TOO_COSTLY": COSTLY,
}


@pytest.fixture
async def production(db: TortoiseContext, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path, mode="production"), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://consentql.test") as http:
        yield http


def messages(result: GraphQLResponse) -> list[str]:
    return [error["message"] for error in result["errors"]]


@pytest.mark.parametrize("code", sorted(HOSTILE))
async def test_p_sec_4_each_limit_refuses_before_execution_with_its_code(client, code):
    token = await sign_in(client)
    result = await gql(client, HOSTILE[code], token=token)
    assert result.data is None
    assert code in result.codes


@pytest.mark.parametrize("code", sorted(HOSTILE))
async def test_p_sec_4_production_messages_do_not_echo_the_limits(production, code):
    token = await sign_in(production)
    result = await gql(production, HOSTILE[code], token=token)
    assert code in result.codes
    for message in messages(result):
        assert not any(character.isdigit() for character in message), message


async def test_p_sec_4_development_messages_echo_the_limits(client):
    result = await gql(client, ALIASED, token=await sign_in(client))
    assert "16" in result["errors"][0]["message"]


async def test_p_sec_4_a_refused_mutation_writes_nothing(client):
    aliased = "mutation($i: RegisterInput!) { " + " ".join(
        f"r{n}: register(input: $i) {{ id }}" for n in range(16)
    )
    result = await gql(client, aliased + " }", {"i": await registration_input(client)})
    assert "TOO_MANY_ALIASES" in result.codes and result.data is None
    assert await Account.all().count() == 0


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_p_sec_4_introspection_is_refused_to_anonymous_callers_in_production(production):
    refused = await gql(production, INTROSPECTION)
    assert refused.codes == ["INTROSPECTION_DISABLED"] and refused.data is None
    allowed = await gql(production, INTROSPECTION, token=await sign_in(production))
    assert allowed.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_p_sec_4_introspection_is_open_in_development(client):
    result = await gql(client, INTROSPECTION)
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_p_sec_4_did_you_mean_only_for_admins(client, settings):
    typo = "{ me { nmae } }"
    anonymous = await gql(client, typo)
    person_result = await gql(client, typo, token=await sign_in(client))
    admin = await gql(client, typo, token=await admin_token(client, settings))
    for result in (anonymous, person_result):
        assert "Did you mean" not in result["errors"][0]["message"]
        assert result.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean 'name'?" in admin["errors"][0]["message"]


async def test_p_sec_4_an_unknown_enum_value_suggests_nothing_to_non_admins(client):
    token = await sign_in(client)
    query = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }"
    order = {"kind": "SUBSCRIPTON", "product": "5G", "productType": "MOBILE", "amount": "10"}
    result = await gql(client, query, {"i": order}, token=token)
    assert result.codes == ["BAD_USER_INPUT"]
    assert "Did you mean" not in result["errors"][0]["message"]


async def test_p_sec_4_a_body_over_the_cap_is_refused_with_413(client, settings):
    padding = " " * settings.max_body_bytes
    response = await client.post("/graphql", json={"query": "{ me { id }" + padding + "}"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_p_sec_4_a_batch_is_refused_and_runs_nothing(client):
    batch = [
        {"query": REGISTER, "variables": {"input": await registration_input(client, n)}}
        for n in range(3)
    ]
    response = await client.post("/graphql", json=batch)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BATCHING_DISABLED"
    assert await Account.all().count() == 0


@pytest.mark.parametrize("body", ['"a string"', "42", "null", "{not json", "\xff"])
async def test_p_sec_4_a_body_that_is_not_one_json_object_is_a_clear_400(client, body):
    response = await client.post(
        "/graphql", content=body.encode("latin-1"), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# Stands for a registration that would succeed, made in the test (a code is asked for first).
REGISTRATION = b"a valid registration"


async def registration_body(client: httpx.AsyncClient) -> bytes:
    body = {"query": REGISTER, "variables": {"input": await registration_input(client)}}
    return httpx.Request("POST", "/", json=body).content


@pytest.mark.parametrize(
    "send",
    [
        pytest.param({"data": {"query": REGISTER}}, id="form-urlencoded"),
        pytest.param({"files": {"query": (None, REGISTER)}}, id="multipart"),
        pytest.param(
            {
                "content": REGISTRATION,
                "headers": {"content-type": "text/plain"},
            },
            id="text-plain",
        ),
        pytest.param(
            {"content": b"{}", "headers": {"content-type": "application/json-seq"}},
            id="json-lookalike",
        ),
    ],
)
async def test_p_sec_4_cross_site_shaped_posts_are_refused_before_execution(client, send):
    if send.get("content") == REGISTRATION:
        send = {**send, "content": await registration_body(client)}
    response = await client.post("/graphql", **send)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await Account.all().count() == 0


async def test_p_sec_4_json_with_a_charset_is_accepted(client):
    response = await client.post(
        "/graphql",
        content=await registration_body(client),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.json()["data"]["register"]["name"] == "张三"


@pytest.mark.parametrize("operation", ["{ me { id } }", "mutation { logout }"])
async def test_p_sec_4_no_operation_runs_over_get(client, operation):
    response = await client.get("/graphql", params={"query": operation})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_graphiql_page_still_loads_over_get(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }


async def test_p_sec_4_no_origin_is_allowed_by_default(client):
    response = await client.options("/graphql", headers=preflight("https://portal.example.com"))
    assert "access-control-allow-origin" not in response.headers
    simple = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in simple.headers


async def test_p_sec_4_cors_allows_only_the_configured_origins(db, tmp_path: Path):
    settings = make_settings(tmp_path, cors_origins=["https://portal.example.com"])
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        allowed = await http.options("/graphql", headers=preflight("https://portal.example.com"))
        refused = await http.options("/graphql", headers=preflight("https://evil.example"))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


async def session_cookie(http: httpx.AsyncClient) -> str:
    details = await register(http)
    response = await http.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"login": details["phone"], "password": details["password"]}},
        },
    )
    return response.headers["set-cookie"].lower()


async def test_p_cookie_1_the_session_cookie_is_httponly_and_lax(client):
    cookie = await session_cookie(client)
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # development runs over plain HTTP


async def test_p_cookie_1_the_session_cookie_is_secure_in_production(production):
    cookie = await session_cookie(production)
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
