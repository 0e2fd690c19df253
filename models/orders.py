"""Subscriptions and consumption records (P-COLLECT-4). Money is Decimal CNY."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.personal import Erasure, Format, RowAction, personal_data, plain


class OrderKind(StrEnum):
    SUBSCRIPTION = "SUBSCRIPTION"
    CONSUMPTION = "CONSUMPTION"


class ProductType(StrEnum):
    MOBILE = "MOBILE"
    BROADBAND = "BROADBAND"
    VALUE_ADDED = "VALUE_ADDED"
    GOODS = "GOODS"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@personal_data(
    plain("kind", "activity.orders", erasure=Erasure.KEEP),
    plain("product", "activity.orders", Format.TEXT, erasure=Erasure.KEEP),
    plain("product_type", "activity.orders", erasure=Erasure.KEEP),
    plain("amount", "activity.orders", erasure=Erasure.KEEP),
    plain("currency", "activity.orders", erasure=Erasure.KEEP),
    plain("status", "activity.orders", erasure=Erasure.KEEP),
    plain("created_at", "activity.orders", erasure=Erasure.KEEP),
    operational={
        "id": "the order's number",
        "account_id": "whose order it is; dropped on erasure, the record stays for accounting",
        "idempotency_key": "the client's retry key: says nothing about the person",
    },
    owner="account_id",
    row_category="activity.orders",
    # Transaction records are kept for accounting (E-Commerce Law art. 31), without the person.
    on_erasure=RowAction.UNLINK,
    on_retention=RowAction.UNLINK,
    exported=("id",),
)
class Order(Model):
    id = fields.IntField(primary_key=True)
    # Nullable: records kept for accounting lose every link to a person on erasure.
    account = fields.ForeignKeyField(
        "models.Account", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(OrderKind, max_length=12)
    product = fields.CharField(max_length=128)
    product_type = fields.CharEnumField(ProductType, max_length=12)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY")
    status = fields.CharEnumField(OrderStatus, max_length=10, default=OrderStatus.PENDING)
    # Chosen by the client: a retry after a lost answer finds the order instead of placing twice.
    idempotency_key = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "order"
        indexes = (("account_id", "id"),)
        unique_together = (("account", "idempotency_key"),)
