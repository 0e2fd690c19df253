"""The Order type: subscriptions and consumption records (P-COLLECT-4), each field of category
activity.orders."""

from datetime import datetime
from decimal import Decimal

import strawberry

from api.graphql.context import RequestContext
from api.graphql.nodes import SubjectNode, subject_connection
from api.graphql.pagination import Connection, Page
from api.graphql.personal import personal
from models.accounts import Account
from models.orders import Order, OrderKind, OrderStatus, ProductType
from plugins.subject import Subject

ORDER_CURSOR = "order"

OrderKindEnum = strawberry.enum(OrderKind, name="OrderKind")
ProductTypeEnum = strawberry.enum(ProductType, name="ProductType")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")


@strawberry.type(name="Order")
class OrderNode(SubjectNode):
    kind = personal(Order, "kind", OrderKindEnum)
    product = personal(Order, "product", str)
    product_type = personal(Order, "product_type", ProductTypeEnum)
    amount = personal(Order, "amount", Decimal, description="Amount in CNY.")
    status = personal(Order, "status", OrderStatusEnum)
    created_at = personal(Order, "created_at", datetime)


def order_node(row: Order, subject: Subject) -> OrderNode:
    return OrderNode(row=row, subject=subject)


async def order_connection(
    context: RequestContext, page: Page[Order], owner: Account
) -> Connection[OrderNode]:
    """Every order of a page is its owner's data."""
    subject = Subject.of_account(owner)
    return await subject_connection(context, page, lambda _row: subject, order_node)
