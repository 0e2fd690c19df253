"""Orders and reservations through the HTTP app: place, list, paginate, cancel."""

from models.orders import Order
from models.reservations import Reservation
from tests.conftest import gql, sign_in

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id kind product productType amount status }
}"""
ORDERS = """
query($first: Int, $after: String) {
  orders(first: $first, after: $after) {
    edges { cursor node { id product amount } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RESERVE = """
mutation($input: CreateReservationInput!) {
  createReservation(input: $input) { id product phone name province city status }
}"""


def order(n: int) -> dict[str, object]:
    return {
        "kind": "SUBSCRIPTION" if n % 2 else "CONSUMPTION",
        "product": f"5G套餐 {n}",
        "productType": "MOBILE",
        "amount": f"{100 + n}.50",
    }


def reservation(**overrides: str) -> dict[str, str]:
    return {
        "product": "千兆宽带",
        "phone": "13912345678",
        "name": "李娜",
        "email": "li.na@example.com",
        "province": "广东",
        "city": "深圳",
        **overrides,
    }


async def test_p_collect_4_orders_of_both_kinds_in_cny(client):
    token = await sign_in(client)
    placed = await gql(client, PLACE, {"input": order(1)}, token=token)
    assert placed.data["placeOrder"] | {"id": None} == {
        "id": None,
        "kind": "SUBSCRIPTION",
        "product": "5G套餐 1",
        "productType": "MOBILE",
        "amount": "101.50",
        "status": "PENDING",
    }
    consumption = await gql(client, PLACE, {"input": order(2)}, token=token)
    assert consumption.data["placeOrder"]["kind"] == "CONSUMPTION"


async def test_orders_paginate_newest_first_with_opaque_cursors(client):
    token = await sign_in(client)
    for n in range(5):
        await gql(client, PLACE, {"input": order(n)}, token=token)
    first = await gql(client, ORDERS, {"first": 2}, token=token)
    page = first.data["orders"]
    assert [edge["node"]["product"] for edge in page["edges"]] == ["5G套餐 4", "5G套餐 3"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert "order" not in page["pageInfo"]["endCursor"]
    rest = await gql(
        client, ORDERS, {"first": 10, "after": page["pageInfo"]["endCursor"]}, token=token
    )
    products = [edge["node"]["product"] for edge in rest.data["orders"]["edges"]]
    assert products == ["5G套餐 2", "5G套餐 1", "5G套餐 0"]
    assert rest.data["orders"]["pageInfo"]["hasNextPage"] is False


async def test_a_bad_cursor_or_page_size_is_a_validation_error(client):
    token = await sign_in(client)
    assert (await gql(client, ORDERS, {"after": "bm9wZQ"}, token=token)).codes == [
        "VALIDATION_FAILED"
    ]
    assert (await gql(client, ORDERS, {"first": 101}, token=token)).codes == ["VALIDATION_FAILED"]


async def test_orders_need_a_signed_in_person(client):
    assert (await gql(client, ORDERS)).codes == ["UNAUTHENTICATED"]


async def test_bad_amounts_are_refused_and_nothing_is_written(client):
    token = await sign_in(client)
    for amount in ("-1", "1.001", "99999999", "NaN"):
        result = await gql(client, PLACE, {"input": order(1) | {"amount": amount}}, token=token)
        assert result.codes == ["VALIDATION_FAILED"], (amount, result)
    assert await Order.all().count() == 0


async def test_p_collect_5_reservation_keeps_its_own_contact_copy(client):
    token = await sign_in(client)
    made = await gql(client, RESERVE, {"input": reservation()}, token=token)
    assert made.data["createReservation"]["phone"] == "13912345678"
    assert made.data["createReservation"]["province"] == "广东"
    listed = await gql(client, "{ reservations { edges { node { name city } } } }", token=token)
    assert listed.data["reservations"]["edges"] == [{"node": {"name": "李娜", "city": "深圳"}}]


async def test_p_disclose_1_anonymous_reservation_returns_no_personal_data(client):
    made = await gql(client, RESERVE, {"input": reservation()})
    assert made.data["createReservation"]["id"]
    assert made.data["createReservation"]["phone"] is None
    assert set(made.codes) == {"FORBIDDEN"}
    stored = await Reservation.get(id=int(made.data["createReservation"]["id"]))
    assert stored.account_id is None


async def test_reservation_input_is_validated_and_nothing_written(client):
    bad = [
        {"phone": "12345"},
        {"phone": "85291234567"},
        {"email": "not-an-email"},
        {"name": ""},
        {"name": "x" * 65},
        {"city": "深圳\u0000"},
    ]
    for change in bad:
        result = await gql(client, RESERVE, {"input": reservation(**change)})
        assert result.codes == ["VALIDATION_FAILED"], (change, result)
    assert await Reservation.all().count() == 0


async def test_cancel_reservation_only_ones_own(client):
    owner = await sign_in(client, 1)
    other = await sign_in(client, 2)
    made = await gql(client, RESERVE, {"input": reservation()}, token=owner)
    rid = made.data["createReservation"]["id"]
    cancel = "mutation($id: ID!) { cancelReservation(id: $id) { id status } }"
    assert (await gql(client, cancel, {"id": rid}, token=other)).codes == ["NOT_FOUND"]
    done = await gql(client, cancel, {"id": rid}, token=owner)
    assert done.data["cancelReservation"]["status"] == "CANCELLED"
    assert (await gql(client, cancel, {"id": rid}, token=owner)).codes == ["CONFLICT"]


async def test_a_retried_order_with_its_idempotency_key_is_placed_once(client):
    token = await sign_in(client)
    keyed = {"input": order(1) | {"idempotencyKey": "basket-7f3a"}}
    first = await gql(client, PLACE, keyed, token=token)
    again = await gql(client, PLACE, keyed, token=token)
    assert again.data["placeOrder"]["id"] == first.data["placeOrder"]["id"]
    assert await Order.all().count() == 1
    other = await gql(
        client, PLACE, {"input": order(2) | {"idempotencyKey": "basket-7f3a"}}, token=token
    )
    assert other.codes == ["CONFLICT"]
    unkeyed = [await gql(client, PLACE, {"input": order(3)}, token=token) for _ in range(2)]
    assert unkeyed[0].data["placeOrder"]["id"] != unkeyed[1].data["placeOrder"]["id"]
    too_long = await gql(
        client, PLACE, {"input": order(4) | {"idempotencyKey": "k" * 65}}, token=token
    )
    assert too_long.codes == ["VALIDATION_FAILED"]
    assert await Order.all().count() == 3


async def test_idempotency_keys_belong_to_one_person(client):
    keyed = {"input": order(1) | {"idempotencyKey": "same-key"}}
    mine = await gql(client, PLACE, keyed, token=await sign_in(client, 1))
    theirs = await gql(client, PLACE, keyed, token=await sign_in(client, 2))
    assert mine.data["placeOrder"]["id"] != theirs.data["placeOrder"]["id"]
