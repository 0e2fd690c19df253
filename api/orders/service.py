"""Placing an order (P-COLLECT-4): validated, one transaction, idempotent under a client's key."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.errors import ApiError, ErrorCode, invalid
from api.validation import checked, optional_text
from models.accounts import Account
from models.orders import Order, OrderKind, OrderStatus, ProductType

MAX_AMOUNT = Decimal("1000000")


@dataclass(frozen=True)
class NewOrder:
    kind: OrderKind
    product: str
    product_type: ProductType
    amount: Decimal
    idempotency_key: str | None


def valid_amount(amount: Decimal) -> Decimal:
    try:
        exact = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise invalid("amount", "not an amount") from None
    if not amount.is_finite() or exact != amount or not Decimal(0) <= amount <= MAX_AMOUNT:
        raise invalid("amount", f"amount must be 0 to {MAX_AMOUNT} CNY with at most two decimals")
    return exact


async def place_order(owner: Account, new: NewOrder) -> Order:
    placed = {
        "kind": new.kind,
        "product": checked(Order, "product", new.product, "product"),
        "product_type": new.product_type,
        "amount": valid_amount(new.amount),
        "idempotency_key": optional_text(new.idempotency_key, "idempotencyKey", max_length=64),
    }
    try:
        async with in_transaction():
            return await Order.create(account=owner, status=OrderStatus.PENDING, **placed)
    except IntegrityError:
        # The key was used before: the same order again is that order; another is a misuse.
        order = await Order.get(account_id=owner.id, idempotency_key=placed["idempotency_key"])
        if any(getattr(order, name) != value for name, value in placed.items()):
            raise ApiError(
                ErrorCode.CONFLICT,
                "this idempotency key was used for a different order",
                field="idempotencyKey",
            ) from None
        return order
