"""Subscriptions and consumption records (P-COLLECT-4). Money is Decimal CNY."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


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
