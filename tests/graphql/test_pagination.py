"""Relay connections: forward with first/after, back with last/before, a PageInfo that tells
both sides exactly, and a statement count that stays flat in the page size."""

import pytest

from bench.statements import counting_statements
from tests.conftest import PLACE_ORDER, admin_token, gql, make_settings, sign_in
from tests.sharing import create_affiliate, grant, issue_client, publish_policy

ORDERS = """query($first: Int, $after: String, $last: Int, $before: String) {
  orders(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { product } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
NESTED = """query($first: Int, $last: Int, $before: String) {
  accounts(first: $first) { edges { node {
    orders(last: $last, before: $before) {
      edges { cursor } pageInfo { hasNextPage hasPreviousPage } } } } } }"""


@pytest.fixture
def settings(tmp_path):
    # accounts > edges > node > orders > edges > node > product is 7 deep.
    return make_settings(tmp_path, query_max_depth=8)


async def place(client, token: str, count: int, prefix: str = "p") -> None:
    for n in range(count):
        order = {
            "kind": "CONSUMPTION",
            "product": f"{prefix}{n}",
            "productType": "GOODS",
            "amount": "1.00",
        }
        result = await gql(client, PLACE_ORDER, {"input": order}, token=token)
        assert not result.get("errors"), result


async def orders_reader(client, settings, tokens: list[str]) -> str:
    """The token of a client that sees the orders of everyone in `tokens`, by their consent."""
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    categories = ("activity.orders",)
    for token in tokens:
        await grant(client, token, affiliate, categories=categories)
    return await issue_client(client, admin, affiliate, categories=categories)


async def orders(client, token, **arguments):
    result = await gql(client, ORDERS, arguments, token=token)
    assert not result.get("errors"), result
    found = result.data["orders"]
    return [edge["node"]["product"] for edge in found["edges"]], found["pageInfo"]


async def test_paging_forward_then_back_walks_the_same_rows(client):
    token = await sign_in(client)
    await place(client, token, 7)  # newest first: p6 p5 ... p0
    first, info = await orders(client, token, first=3)
    assert first == ["p6", "p5", "p4"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    second, info = await orders(client, token, first=3, after=info["endCursor"])
    assert second == ["p3", "p2", "p1"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, True)
    back, back_info = await orders(client, token, last=3, before=info["startCursor"])
    assert back == first
    assert (back_info["hasNextPage"], back_info["hasPreviousPage"]) == (True, False)
    oldest, info = await orders(client, token, last=2)
    assert oldest == ["p1", "p0"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (False, True)
    # Both cursors bound one window: after the newest (p6), before the oldest (p0).
    _, newest = await orders(client, token, first=1)
    _, oldest_info = await orders(client, token, last=1)
    window, info = await orders(
        client, token, first=10, after=newest["endCursor"], before=oldest_info["startCursor"]
    )
    assert window == ["p5", "p4", "p3", "p2", "p1"]


async def test_an_empty_page_past_the_end_still_knows_what_lies_behind(client):
    token = await sign_in(client)
    await place(client, token, 2)
    _, info = await orders(client, token, first=2)
    rows, past = await orders(client, token, first=2, after=info["endCursor"])
    assert rows == [] and past["startCursor"] is None
    assert (past["hasNextPage"], past["hasPreviousPage"]) == (False, True)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"first": 2, "last": 2}, "last"),
        ({"last": 0}, "last"),
        ({"last": 101}, "last"),
        ({"before": "bm90LWEtY3Vyc29y"}, "before"),
        ({"last": 2, "before": "x"}, "before"),
    ],
)
async def test_bad_page_arguments_are_refused_with_the_field(client, arguments, field):
    token = await sign_in(client)
    result = await gql(client, ORDERS, arguments, token=token)
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == field


async def test_paging_back_through_nested_lists_costs_the_same_for_any_page_size(client, settings):
    tokens = [await sign_in(client, n) for n in range(12)]
    for n, token in enumerate(tokens):
        await place(client, token, 3, prefix=f"a{n}-")
    reader = await orders_reader(client, settings, tokens)
    counts = {}
    for size in (2, 12):
        with counting_statements() as counter:
            result = await gql(client, NESTED, {"first": size, "last": 2}, token=reader)
        accounts = result.data["accounts"]["edges"]
        assert len(accounts) == size, result
        for edge in accounts:
            page = edge["node"]["orders"]
            assert len(page["edges"]) == 2
            assert (page["pageInfo"]["hasNextPage"], page["pageInfo"]["hasPreviousPage"]) == (
                False,
                True,
            )
        counts[size] = len(counter.statements)
    assert counts[2] == counts[12], counts


async def test_the_other_side_of_nested_pages_is_asked_once_for_all_parents(client, settings):
    tokens = [await sign_in(client, n) for n in range(3)]
    for token in tokens:
        await place(client, token, 3)
    reader = await orders_reader(client, settings, tokens)
    # A cursor of one person's middle order: for the others it bounds their lists too.
    _, info = await orders(client, tokens[0], first=1)
    cursor = info["endCursor"]
    counts = {}
    for selection in ("hasPreviousPage", "hasNextPage hasPreviousPage"):
        document = NESTED.replace("hasNextPage hasPreviousPage", selection)
        with counting_statements() as counter:
            result = await gql(
                client, document, {"first": 3, "last": 1, "before": cursor}, token=reader
            )
        assert not result.get("errors"), result
        counts[selection] = len(counter.statements)
    assert counts["hasNextPage hasPreviousPage"] == counts["hasPreviousPage"] + 1, counts
