"""Orders: the signed-in person lists and places their own (P-COLLECT-4)."""

from decimal import Decimal

import strawberry

from api.graphql.context import Info
from api.graphql.nodes import subject_nodes
from api.graphql.pagination import Connection, PageRequest, newest_first
from api.orders.service import NewOrder, place_order
from api.orders.types import (
    ORDER_CURSOR,
    OrderKindEnum,
    OrderNode,
    ProductTypeEnum,
    order_connection,
    order_node,
)
from models.orders import Order
from plugins.subject import Subject


@strawberry.input
class PlaceOrderInput:
    kind: OrderKindEnum  # type: ignore[valid-type]
    product: str
    product_type: ProductTypeEnum  # type: ignore[valid-type]
    amount: Decimal = strawberry.field(description="Amount in CNY, at most two decimals.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Up to 64 characters of the client's choosing: placing an order again with "
        "the same key returns the first one instead of placing another.",
    )


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The signed-in person's orders, newest first.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[OrderNode]:
        owner = await info.context.account()
        request = PageRequest.of(ORDER_CURSOR, first, after, last, before)
        page = await newest_first(Order.filter(account_id=owner.id), request)
        return await order_connection(info.context, page, owner)


@strawberry.type
class OrderMutations:
    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> OrderNode:
        owner = await info.context.account()
        order = await place_order(
            owner,
            NewOrder(
                kind=input.kind,
                product=input.product,
                product_type=input.product_type,
                amount=input.amount,
                idempotency_key=input.idempotency_key,
            ),
        )
        [node] = await subject_nodes(
            info.context, [order], lambda _row: Subject.of_account(owner), order_node
        )
        return node
