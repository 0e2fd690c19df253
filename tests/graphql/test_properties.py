"""P-SEC-3, P-DISCLOSE-1, P-SHARE-1, P-SEC-1: random valid queries, as every kind of viewer,
never fail on the server and never show a phone, email or name to a viewer not entitled to it.

Queries are built from the schema itself: random selections of the Account, Order and
Reservation fields, with random page sizes and cursors (garbage ones too).
"""

import asyncio
import concurrent.futures
import contextvars
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graphql.schema import build_schema
from api.settings import Settings
from tests.conftest import admin_token, gql, is_server_fault, register, sign_in
from tests.sharing import create_affiliate, grant, issue_client, ok, publish_policy

T = TypeVar("T")
SCHEMA = build_schema(Settings())._schema
PAGE_ARGUMENTS = ("first", "after")


def object_type(name: str) -> GraphQLObjectType:
    found = SCHEMA.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def leaves(type_name: str) -> list[str]:
    fields = object_type(type_name).fields
    return sorted(
        name for name, field in fields.items() if is_leaf_type(get_named_type(field.type))
    )


def connections(type_name: str) -> dict[str, str]:
    """Paginated fields of a type, and the node type of each."""
    found: dict[str, str] = {}
    for name, field in object_type(type_name).fields.items():
        if set(PAGE_ARGUMENTS) <= set(field.args):
            edges = get_named_type(field.type).fields["edges"]  # type: ignore[union-attr]
            found[name] = get_named_type(get_named_type(edges.type).fields["node"].type).name  # type: ignore[union-attr]
    return found


def selection(fields: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True).map(
        " ".join
    )


cursors = st.one_of(
    st.none(),
    st.sampled_from(["", "abc", "MQ==", "bnVsbA==", "-1", "' OR 1=1 --"]),
    st.text(max_size=20),
)


@st.composite
def page(draw: st.DrawFn) -> str:
    arguments = []
    first = draw(st.one_of(st.none(), st.integers(min_value=-5, max_value=30)))
    if first is not None:
        arguments.append(f"first: {first}")
    after = draw(cursors)
    if after is not None:
        arguments.append(f"after: {json.dumps(after)}")
    return f"({', '.join(arguments)})" if arguments else ""


@st.composite
def connection(draw: st.DrawFn, field: str, node_type: str, nested: bool) -> str:
    node = draw(node_selection(node_type, nested=nested))
    page_info = draw(st.sampled_from(["", " pageInfo { hasNextPage endCursor }"]))
    return f"{field}{draw(page())} {{ edges {{ cursor node {{ {node} }} }}{page_info} }}"


@st.composite
def node_selection(draw: st.DrawFn, type_name: str, nested: bool) -> str:
    """Leaves of the type, and (one level only, within the depth limit) its connections."""
    parts = [draw(selection(leaves(type_name)))]
    if nested:
        for field, node_type in connections(type_name).items():
            if draw(st.booleans()):
                parts.append(draw(connection(field, node_type, nested=False)))
    return " ".join(parts)


@st.composite
def query(draw: st.DrawFn, account_ids: list[str]) -> str:
    root = draw(st.sampled_from(["me", "account", "accounts", "orders", "reservations"]))
    if root == "me":
        return f"{{ me {{ {draw(node_selection('Account', nested=True))} }} }}"
    if root == "account":
        some_id = draw(st.sampled_from([*account_ids, "0", "999999", "abc"]))
        body = draw(node_selection("Account", nested=True))
        return f"{{ account(id: {json.dumps(some_id)}) {{ {body} }} }}"
    node_type = {"accounts": "Account", "orders": "Order", "reservations": "Reservation"}[root]
    return "{ " + draw(connection(root, node_type, nested=False)) + " }"


PEOPLE = {
    "a": {"name": "欧阳明", "phone": "13800130021", "email": "ouyang@example.com"},
    "b": {"name": "司马懿", "phone": "13800130022", "email": "sima@example.com"},
}
# A's reservation carries its own contact copy (P-COLLECT-5): personal data of A too.
RESERVATION = {
    "product": "千兆宽带",
    "phone": "13900139077",
    "name": "上官婉",
    "email": "shangguan@example.com",
    "province": "浙江",
    "city": "杭州",
}
CATEGORY = {"phone": "contact.phone", "email": "contact.email", "name": "identity.name"}
# The consenting client's recipient was granted these by A, and only these.
CONSENTED = ("contact.phone", "identity.name")


def secrets() -> list[tuple[str, str, str]]:
    """(value, owner, category) of every personal value that must not leak."""
    found = [
        (details[key], owner, CATEGORY[key])
        for owner, details in PEOPLE.items()
        for key in ("phone", "email", "name")
    ]
    found += [(RESERVATION[key], "a", CATEGORY[key]) for key in ("phone", "email", "name")]
    return found


def entitled(viewer: str, owner: str, category: str) -> bool:
    return viewer == owner or (
        viewer == "consented_client" and owner == "a" and category in CONSENTED
    )


@pytest.fixture
async def viewers(client: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    await publish_policy()
    admin = await admin_token(client, settings)
    tokens: dict[str, Any] = {"anonymous": None, "admin": admin}
    for n, key in enumerate(("a", "b"), start=21):
        tokens[key] = await sign_in(client, n, name=PEOPLE[key]["name"], email=PEOPLE[key]["email"])
    order = {"kind": "SUBSCRIPTION", "product": "5G 畅享", "productType": "MOBILE", "amount": "129"}
    place = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }"
    reserve = "mutation($i: CreateReservationInput!) { createReservation(input: $i) { id } }"
    for _ in range(3):
        ok(await gql(client, place, {"i": order}, token=tokens["a"]))
        ok(await gql(client, reserve, {"i": RESERVATION}, token=tokens["a"]))
    await register(client, 23)  # a third person, never signed in
    consenting = await create_affiliate(client, admin)
    tokens["consented_client"] = await issue_client(client, admin, consenting)
    await grant(client, tokens["a"], consenting, categories=CONSENTED)
    silent = await create_affiliate(client, admin, name="第三方")
    tokens["unconsented_client"] = await issue_client(client, admin, silent)
    client.cookies.clear()
    me = "{ me { id } }"
    ids = [ok(await gql(client, me, token=tokens[key]))["me"]["id"] for key in ("a", "b")]
    return {"tokens": tokens, "ids": ids}


def in_loop_of_this_test() -> Callable[[Coroutine[Any, Any, T]], T]:
    """Runs a coroutine on this test's loop, in this test's context (the ORM's is there), from
    the thread Hypothesis runs in: Hypothesis drives synchronous functions only."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:
            task = loop.create_task(coroutine, context=context)
            task.add_done_callback(
                lambda task: (
                    done.set_exception(task.exception())
                    if task.exception()
                    else done.set_result(task.result())
                )
            )

        loop.call_soon_threadsafe(start)
        return done.result()

    return run


VIEWER_KINDS = ["anonymous", "a", "b", "admin", "consented_client", "unconsented_client"]


@pytest.mark.parametrize("viewer", VIEWER_KINDS)
async def test_p_sec_3_random_queries_never_fail_or_leak(client, viewers, viewer):
    token = viewers["tokens"][viewer]
    on_this_loop = in_loop_of_this_test()

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(document=query(viewers["ids"]))
    def check(document: str) -> None:
        result = on_this_loop(gql(client, document, token=token))
        errors = result.get("errors") or []
        assert not any(is_server_fault(error) for error in errors), (document, result)
        assert all((error.get("extensions") or {}).get("code") for error in errors), result
        shown = json.dumps(result, ensure_ascii=False)
        for value, owner, category in secrets():
            if value in shown:
                assert entitled(viewer, owner, category), (viewer, value, document)

    await asyncio.to_thread(check)


async def test_the_owner_and_the_consenting_client_do_see_what_they_are_entitled_to(
    client, viewers
):
    """Without this, a leak check that sees nothing at all would pass for nothing."""
    a_id = viewers["ids"][0]
    fields = "{ phone email name reservations { edges { node { phone } } } }"
    own = ok(await gql(client, "{ me " + fields + " }", token=viewers["tokens"]["a"]))["me"]
    assert (own["phone"], own["email"], own["name"]) == (
        "13800130021",
        "ouyang@example.com",
        "欧阳明",
    )
    assert own["reservations"]["edges"][0]["node"]["phone"] == RESERVATION["phone"]
    query_a = "query($id: ID!) { account(id: $id) { phone email name } }"
    seen = await gql(client, query_a, {"id": a_id}, token=viewers["tokens"]["consented_client"])
    assert seen.data["account"]["phone"] == "13800130021"
    assert seen.data["account"]["name"] == "欧阳明"
    assert seen.data["account"]["email"] != "ouyang@example.com"
