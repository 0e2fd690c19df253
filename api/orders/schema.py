"""Orders: subscriptions and consumption records (P-COLLECT-4)."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

import strawberry
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, invalid
from api.graphql.context import Info, RequestContext
from api.graphql.nodes import SubjectNode
from api.graphql.pagination import Connection, connection, newest_first
from api.graphql.personal import personal
from api.validation import optional_text, text
from models.accounts import Account
from models.orders import Order, OrderKind, OrderStatus, ProductType
from plugins.subject import Subject

ORDER_CURSOR = "order"
MAX_AMOUNT = Decimal("1000000")

OrderKindEnum = strawberry.enum(OrderKind, name="OrderKind")
ProductTypeEnum = strawberry.enum(ProductType, name="ProductType")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")


@strawberry.type(name="Order")
class OrderNode(SubjectNode):
    kind = personal("activity.orders", "row.kind", OrderKindEnum)
    product = personal("activity.orders", "row.product", str)
    product_type = personal("activity.orders", "row.product_type", ProductTypeEnum)
    amount = personal("activity.orders", "row.amount", Decimal, description="Amount in CNY.")
    status = personal("activity.orders", "row.status", OrderStatusEnum)
    created_at = personal("activity.orders", "row.created_at", datetime)


async def order_connection(
    context: RequestContext, rows: list[Order], owner: Account, first: int | None
) -> Connection[OrderNode]:
    """The subject (the owner) is prepared by whoever loaded the owner."""
    subject = Subject.of_account(owner)
    return connection(rows, ORDER_CURSOR, first, lambda row: OrderNode(row=row, subject=subject))


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


def valid_amount(amount: Decimal) -> Decimal:
    try:
        exact = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise invalid("amount", "not an amount") from None
    if not amount.is_finite() or exact != amount or not Decimal(0) <= amount <= MAX_AMOUNT:
        raise invalid("amount", f"amount must be 0 to {MAX_AMOUNT} CNY with at most two decimals")
    return exact


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The signed-in person's orders, newest first.")
    async def orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderNode]:
        owner = await info.context.account()
        rows = await newest_first(Order.filter(account_id=owner.id), ORDER_CURSOR, first, after)
        await info.context.decisions.prepare([Subject.of_account(owner)])
        return await order_connection(info.context, rows, owner, first)


@strawberry.type
class OrderMutations:
    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> OrderNode:
        owner = await info.context.account()
        placed = {
            "kind": input.kind,
            "product": text(input.product, "product", max_length=128),
            "product_type": input.product_type,
            "amount": valid_amount(input.amount),
            "idempotency_key": optional_text(
                input.idempotency_key, "idempotencyKey", max_length=64
            ),
        }
        try:
            async with in_transaction():
                order = await Order.create(account=owner, status=OrderStatus.PENDING, **placed)
        except IntegrityError:
            # The key was used before: the same order again is that order; another is a misuse.
            order = await Order.get(account_id=owner.id, idempotency_key=placed["idempotency_key"])
            if any(getattr(order, name) != value for name, value in placed.items()):
                raise ApiError(
                    ErrorCode.CONFLICT,
                    "this idempotency key was used for a different order",
                    field="idempotencyKey",
                ) from None
        subject = Subject.of_account(owner)
        await info.context.decisions.prepare([subject])
        return OrderNode(row=order, subject=subject)
