"""The simple fields of a selection (row fields, plain attributes such as an edge's `node` and
`cursor`, `__typename`; `api.graphql.execution`) are answered without graphql-core's and
Strawberry's per-field machinery, the others of the same selection through graphql-core: every
answer, error, `extensions.consent` and ledger entry must be what plain execution gives (P-SEC-3,
P-SEC-5), and the short path must really be taken on the API client's page."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import strawberry
from graphql import GraphQLField, GraphQLObjectType
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from tortoise.context import TortoiseContext

from api.graphql import pagination
from api.graphql.execution import LeafRowExecutor
from api.http.app import ConsentQLGraphQL, create_app
from api.settings import Settings
from models.accounts import Account, AccountRecord, AccountStatus
from models.audit import AuditEntry
from tests.conftest import PLACE_ORDER, admin_token, gql
from tests.sharing import create_affiliate, grant, issue_client, ok, person_with_id, publish_policy

PLAIN = StrawberryGraphQLCoreExecutionContext
SHORT = LeafRowExecutor

PAGE = "{ accounts(first: 100) { edges { node { id phone email name company province city } } } }"
ROW_FIELDS = ("id", "phone", "email", "name", "company", "province", "city")

# Listing documents, asked by an API client and an admin.
LISTS: list[tuple[str, dict[str, Any]]] = [
    (PAGE, {}),
    # Aliases, a field repeated, and __typename among row fields.
    (
        "{ accounts { edges { node { a: phone b: phone phone id __typename n: name"
        " province p: province } } } }",
        {},
    ),
    # @skip and @include by variables, both ways.
    *(
        (
            "query($s: Boolean!, $i: Boolean!) { accounts { edges { node {"
            " id phone @skip(if: $s) email @include(if: $i) name @include(if: $s) } } } }",
            {"s": s, "i": i},
        )
        for s in (True, False)
        for i in (True, False)
    ),
    # Named and inline fragments, merged with fields of the selection itself.
    (
        "fragment Contact on Account { phone email ... on Account { city } }"
        " { accounts { edges { node { ...Contact ... on Account { name company } id email } } } }",
        {},
    ),
    # __typename alone, and beside non-row fields (the whole object then runs as before).
    ("{ accounts { edges { node { __typename } } } }", {}),
    ("{ accounts { edges { __typename cursor node { __typename id role createdAt } } } }", {}),
    # Edges with their cursor, aliased, beside pageInfo; __typename on edges.
    (
        "{ accounts(first: 2) { pageInfo { hasNextPage endCursor startCursor hasPreviousPage }"
        " e: edges { c: cursor n: node { id phone } cursor __typename node { email } }"
        " edges { __typename cursor } } }",
        {},
    ),
    # Mixed: row fields beside fields of their own resolvers and lists, in the response's order.
    (
        "{ accounts { edges { node { role id phone createdAt email status"
        " privacyPreferences { __typename } duties name } } } }",
        {},
    ),
    # A nested list under each row, beside its row fields.
    (
        "{ accounts { edges { node { id phone"
        " orders(first: 3) { edges { node { id product amount status kind createdAt } } } } } } }",
        {},
    ),
]
ACCOUNT = """query($id: ID!) { account(id: $id) { __typename id phone email name company province
  city orders(first: 5) { edges { node { id product productType amount status kind createdAt } } }
  loginRecords(first: 5) { edges { node { id success ip os createdAt } } } } }"""
ME = """{ me { id phone role email createdAt name company province city
  orders { edges { node { __typename id product amount status kind createdAt } } }
  loginRecords { edges { node { id success ip networkType os clientVersion createdAt } } } } }"""


def graphql_view(app: Starlette) -> ConsentQLGraphQL:
    [view] = [route.endpoint for route in app.routes if getattr(route, "path", "") == "/graphql"]
    return view


@pytest.fixture
async def app(db: TortoiseContext, settings: Settings) -> Starlette:
    # One level deeper than the default: lists nested in every row of a list.
    return create_app(settings.model_copy(update={"query_max_depth": 7}), manage_database=False)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as client:
        yield client


@pytest.fixture
async def world(http: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    """An admin, an API client for phone, email and name; person 0 consents to phone and name
    and has orders, person 2 consents to phone only, person 1 to nothing and is cancelling (its
    fields blocked for everyone, P-RETAIN-2)."""
    await publish_policy()
    admin = await admin_token(http, settings)
    affiliate = await create_affiliate(http, admin)
    api = await issue_client(http, admin, affiliate)
    people = [await person_with_id(http, n) for n in range(3)]
    await grant(http, people[0][0], affiliate)
    await grant(http, people[2][0], affiliate, categories=("contact.phone",))
    for product in ("5G套餐", "千兆宽带"):
        order = {"kind": "CONSUMPTION", "product": product, "productType": "MOBILE"}
        placed = await gql(
            http, PLACE_ORDER, {"input": {**order, "amount": "10.50"}}, token=people[0][0]
        )
        ok(placed)
    await Account.filter(id=int(people[1][1])).update(status=AccountStatus.CANCELLING)
    return {"admin": admin, "api": api, "people": people}


async def read_entries() -> list[tuple[Any, ...]]:
    return [
        (
            entry.viewer_kind,
            entry.viewer_ref,
            entry.subject_ref,
            entry.action,
            entry.categories_clear,
            entry.categories_masked,
            entry.categories_blocked,
            entry.basis,
        )
        for entry in await AuditEntry.filter(action="READ").order_by("id")
    ]


async def both_ways(
    app: Starlette, http: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The response and the ledger entries of `document` with plain execution and with the
    short path, asserted equal; the short path's."""
    schema = graphql_view(app).schema
    outcomes = []
    for executor in (PLAIN, SHORT):
        schema.execution_context_class = executor  # type: ignore[attr-defined]
        before = len(await read_entries())
        response = await gql(http, document, variables, token=token)
        outcomes.append((dict(response), (await read_entries())[before:]))
    plain, short = outcomes
    assert short == plain, document
    return short


async def test_p_sec_3_p_sec_5_lists_are_the_same_for_a_client_and_an_admin(app, http, world):
    masked = blocked = recorded = False
    for token in (world["api"], world["admin"]):
        for document, variables in LISTS:
            response, entries = await both_ways(app, http, document, variables, token)
            assert response.get("data") and response["data"]["accounts"]["edges"], response
            consent = response.get("extensions", {}).get("consent", {})
            masked |= bool(consent.get("masked"))
            blocked |= bool(consent.get("blocked")) and bool(response.get("errors"))
            recorded |= bool(entries)
    # The documents do exercise masks, blocks and the ledger: otherwise this would prove little.
    assert masked and blocked and recorded


async def test_p_sec_3_p_sec_5_an_account_and_its_lists_for_a_client_an_admin_the_person(
    app, http, world
):
    [(person, person_id), *_] = world["people"]
    codes = set()
    for token in (world["api"], world["admin"]):
        response, _ = await both_ways(app, http, ACCOUNT, {"id": person_id}, token)
        codes |= {error["extensions"]["code"] for error in response.get("errors", [])}
        assert response["data"]["account"]["id"] == person_id
    # Blocked lists under the account: null, with their errors and paths.
    assert "CONSENT_REQUIRED" in codes or "FORBIDDEN" in codes
    response, entries = await both_ways(app, http, ME, {}, person)
    me = response["data"]["me"]
    assert [edge["node"]["amount"] for edge in me["orders"]["edges"]] == ["10.50", "10.50"]
    assert me["loginRecords"]["edges"] and entries


async def test_an_unexpected_error_in_a_row_field_is_located_like_graphql_core_locates_it(
    app, http, world, monkeypatch
):
    def broken(_row: AccountRecord) -> str:
        raise RuntimeError("the sealed value could not be opened")

    # The page reads its rows as records (models.records).
    monkeypatch.setattr(AccountRecord, "phone", property(broken))
    response, _ = await both_ways(app, http, PAGE, {}, world["api"])
    paths = [error["path"] for error in response["errors"]]
    assert paths and all(path[-1] == "phone" for path in paths)
    assert {error["extensions"]["code"] for error in response["errors"]} == {
        "INTERNAL_SERVER_ERROR"
    }
    assert all(edge["node"]["phone"] is None for edge in response["data"]["accounts"]["edges"])


async def test_a_non_null_row_field_that_yields_null_nulls_its_parent_with_graphql_cores_error(
    app, http, world, monkeypatch
):
    monkeypatch.setattr(strawberry, "ID", lambda _value: None)
    response, _ = await both_ways(app, http, PAGE, {}, world["admin"])
    assert response["data"] is None or response["data"]["accounts"] is None
    assert response["errors"][0]["path"][-1] == "id"


def counting(field: GraphQLField, calls: list[str], name: str) -> Callable[..., Any]:
    resolve = field.resolve
    assert resolve is not None

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return resolve(*args, **kwargs)

    return counted


async def test_the_client_page_takes_the_short_path(app, http, world, monkeypatch):
    """Strawberry's resolver of a row field is not called at all on the benchmark page; the
    same page through plain execution calls it for every field of every row."""
    schema = graphql_view(app).schema
    account = schema._schema.get_type("Account")
    assert isinstance(account, GraphQLObjectType)
    calls: list[str] = []
    for name in ROW_FIELDS:
        field = account.fields[name]
        monkeypatch.setattr(field, "resolve", counting(field, calls, name))
    rows = {}
    for executor in (SHORT, PLAIN):
        schema.execution_context_class = executor
        calls.clear()
        response = await gql(http, PAGE, token=world["api"])
        rows[executor] = len(response.data["accounts"]["edges"])
        assert rows[executor] == 2, response
        assert len(calls) == (0 if executor is SHORT else len(ROW_FIELDS) * rows[executor])


async def test_a_null_node_nulls_its_edge_with_graphql_cores_error(app, http, world, monkeypatch):
    """A non-null attribute (`node`) that holds null: graphql-core's message, path, and the
    parent (the non-null edge, then the list) nulled alike."""
    built = pagination.Edge
    made: list[str] = []

    def edge(node: Any, cursor: str) -> Any:
        made.append(cursor)
        return built(node=None if len(made) % 2 else node, cursor=cursor)

    monkeypatch.setattr(pagination, "Edge", edge)
    for document in (PAGE, "{ accounts { edges { cursor n: node { id } } } }"):
        response, _ = await both_ways(app, http, document, {}, world["admin"])
        assert response["data"] is None, response
        [error] = response["errors"]
        assert error["path"][:3] == ["accounts", "edges", 0] and error["path"][-1] in ("node", "n")


def counting_infos(calls: list[str]) -> Callable[..., Any]:
    build = PLAIN.build_resolve_info

    def counted(self: Any, field_def: Any, nodes: Any, parent_type: Any, path: Any) -> Any:
        calls.append(f"{parent_type.name}.{nodes[0].name.value}")
        return build(self, field_def, nodes, parent_type, path)

    return counted


async def test_edges_and_the_simple_fields_of_a_mixed_selection_take_the_short_path(
    app, http, world, monkeypatch
):
    """graphql-core builds a field's info only for what it executes: on the client's page only
    for `accounts` and `edges`, not for any edge or row; in a mixed selection only for the
    fields that are not simple."""
    schema = graphql_view(app).schema
    calls: list[str] = []
    monkeypatch.setattr(PLAIN, "build_resolve_info", counting_infos(calls))
    mixed = "{ accounts { edges { cursor node { id role phone createdAt } } } }"
    for executor in (SHORT, PLAIN):
        schema.execution_context_class = executor
        answered = {}
        for document in (PAGE, mixed):
            calls.clear()
            response = await gql(http, document, token=world["admin"])
            assert len(response.data["accounts"]["edges"]) == 4, response
            answered[document] = sorted(set(calls)), len(calls)
        if executor is SHORT:
            assert answered[PAGE] == (["AccountConnection.edges", "Query.accounts"], 2)
            assert answered[mixed] == (
                ["Account.createdAt", "Account.role", "AccountConnection.edges", "Query.accounts"],
                2 + 2 * 4,
            )
        else:
            assert answered[PAGE][1] == 2 + 4 + 4 * len(ROW_FIELDS)


async def test_the_edges_of_a_page_skip_graphql_cores_per_item_completion(
    app, http, world, monkeypatch
):
    """Each edge goes straight into its selection: graphql-core's `complete_value` runs for no
    item of the list (it does for every one under plain execution), and the answer is the same."""
    schema = graphql_view(app).schema
    completed = PLAIN.complete_value
    items: list[Any] = []

    def counted(self: Any, return_type: Any, details: Any, info: Any, path: Any, *rest: Any) -> Any:
        if isinstance(path.key, int):
            items.append(tuple(path.as_list()))
        return completed(self, return_type, details, info, path, *rest)

    monkeypatch.setattr(PLAIN, "complete_value", counted)
    found = {}
    for executor in (SHORT, PLAIN):
        schema.execution_context_class = executor
        items.clear()
        response = await gql(http, PAGE, token=world["admin"])
        found[executor] = len(set(items))
        assert len(response.data["accounts"]["edges"]) == 4, response
    assert found == {SHORT: 0, PLAIN: 4}
