"""P-SEC-4: every request /graphql refuses before running it is answered alike: JSON with one error
that carries `extensions.code`, no `data` entry, the refusal's own status, and nothing of
Strawberry's or Starlette's plain text. Other paths keep Starlette's answers."""

from typing import Any

import httpx
import pytest

from models.accounts import Account
from tests.conftest import gql, registration_input

JSON = {"content-type": "application/json"}

# (method, request options, status, code) for each way a request is refused, by whoever refuses
# it: our middleware, Strawberry's view, Starlette's router.
REFUSALS: dict[str, tuple[str, dict[str, Any], int, str]] = {
    "body over the cap": (
        "POST",
        {"content": b'{"query": "' + b" " * 1024 * 1024 + b'"}', "headers": JSON},
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    "form post": ("POST", {"data": {"query": "{ me { id } }"}}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    "batch": ("POST", {"json": [{"query": "{ me { id } }"}]}, 400, "BATCHING_DISABLED"),
    "malformed json": ("POST", {"content": b"{not json", "headers": JSON}, 400, "BAD_REQUEST"),
    "operation over get": (
        "GET",
        {"params": {"query": "{ me { id } }"}},
        405,
        "METHOD_NOT_ALLOWED",
    ),
    "no query": ("POST", {"json": {}}, 400, "BAD_REQUEST"),
    "query not a string": ("POST", {"json": {"query": 1}}, 400, "BAD_REQUEST"),
    "put": ("PUT", {"json": {"query": "{ me { id } }"}}, 405, "METHOD_NOT_ALLOWED"),
    "delete": ("DELETE", {}, 405, "METHOD_NOT_ALLOWED"),
}

# What Strawberry's view refuses, with the reason it gives: written for the client, so kept.
STRAWBERRY_REFUSALS: dict[str, tuple[str, dict[str, Any], str]] = {
    "no query": ("POST", {"json": {}}, "No GraphQL query found"),
    "query not a string": ("POST", {"json": {"query": ["{ me { id } }"]}}, "`query` must be"),
    "variables not an object": (
        "POST",
        {"json": {"query": "{ me { id } }", "variables": [1]}},
        "`variables` must be",
    ),
    "extensions not an object": (
        "POST",
        {"json": {"query": "{ me { id } }", "extensions": "x"}},
        "`extensions` must be",
    ),
    "unknown operation name": (
        "POST",
        {"json": {"query": "query A { me { id } }", "operationName": "B"}},
        'Unknown operation named "B"',
    ),
    "variables over get that are not json": (
        "GET",
        {"params": {"variables": "{x"}, "headers": {"accept": "application/json"}},
        "Unable to parse",
    ),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_every_refusal_of_graphql_is_one_json_error_with_its_status_and_code(
    client: httpx.AsyncClient, refusal: str
) -> None:
    method, options, status, code = REFUSALS[refusal]
    response = await client.request(method, "/graphql", **options)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert response.json() == {"errors": [error]}, "no data entry: nothing ran"
    assert error["extensions"] == {"code": code}
    assert isinstance(error["message"], str) and error["message"]


@pytest.mark.parametrize("refusal", sorted(STRAWBERRY_REFUSALS))
async def test_strawberrys_400s_keep_their_reason_with_bad_request(
    client: httpx.AsyncClient, refusal: str
) -> None:
    method, options, reason = STRAWBERRY_REFUSALS[refusal]
    response = await client.request(method, "/graphql", **options)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert reason in error["message"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_a_method_graphql_does_not_take_is_a_json_405_naming_the_allowed_ones(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(method, "/graphql")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["allow"].split(",")}
    assert response.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


async def test_head_on_graphql_which_strawberry_refuses_is_a_json_405(
    client: httpx.AsyncClient,
) -> None:
    # Starlette lets HEAD through wherever GET is allowed; Strawberry's view then refuses it.
    response = await client.head("/graphql")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"


async def test_other_paths_keep_starlettes_plain_text_405_and_404(
    client: httpx.AsyncClient,
) -> None:
    wrong_method = await client.put("/healthz")
    assert (wrong_method.status_code, wrong_method.text) == (405, "Method Not Allowed")
    unknown = await client.get("/no-such-path")
    assert (unknown.status_code, unknown.text) == (404, "Not Found")


REGISTER_THEN_READ = """
mutation Register($input: RegisterInput!) { register(input: $input) { id } }
query Read { dataCategories { id } }
"""


async def test_several_operations_without_operation_name_run_none_of_them(client):
    """GraphQL's GetOperation: Strawberry would run the first one, here a registration."""
    variables = {"input": await registration_input(client, 1)}
    unnamed = await client.post(
        "/graphql", json={"query": REGISTER_THEN_READ, "variables": variables}
    )
    assert unnamed.status_code == 200
    answer = unnamed.json()
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_REQUEST"]
    assert not await Account.exists()

    named = await client.post(
        "/graphql",
        json={"query": REGISTER_THEN_READ, "variables": variables, "operationName": "Read"},
    )
    assert "errors" not in named.json() and named.json()["data"]["dataCategories"]
    assert not await Account.exists()
    single = await gql(client, "{ dataCategories { id } }")
    assert single.data["dataCategories"] and not single.get("errors")
