"""The Account type: a person's details, each passing the consent engine (P-SEC-3), and what they
did (orders, reservations, sign-ins, device logs) as nested lists."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry

from api.activity.types import (
    DeviceLogNode,
    LoginRecordNode,
    device_log_connection,
    login_record_connection,
)
from api.graphql.context import Info, RequestContext
from api.graphql.nodes import SubjectNode, subject_nodes
from api.graphql.pagination import Connection, page_size
from api.graphql.personal import personal
from api.orders.types import OrderNode, order_connection
from api.reservations.types import ReservationNode, reservation_connection
from models.accounts import Account, AccountStatus, Role
from plugins.subject import Subject

ACCOUNT_CURSOR = "account"

RoleEnum = strawberry.enum(Role, name="Role")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")


def nested(
    loader: str,
    node: type,
    build: Callable[[RequestContext, list[Any], Account, int | None], Awaitable[Any]],
) -> Any:
    """A list under an account, loaded for every account of the page in one statement."""

    async def resolve(
        root: "AccountNode", info: Info, first: int | None = None, after: str | None = None
    ) -> Any:
        key = (root.row.id, page_size(first) + 1, after)
        rows = await getattr(info.context.loaders, loader).load(key)
        return await build(info.context, rows, root.row, first)

    resolve.__annotations__["return"] = Connection[node]  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve)


@strawberry.type(name="Account")
class AccountNode(SubjectNode):
    phone = personal("contact.phone", lambda node: node.row.phone(), str)
    email = personal("contact.email", lambda node: node.row.email(), str)
    name = personal("identity.name", "row.name", str)
    company = personal("org.company", "row.company", str)
    province = personal("location.region", "row.province", str, mask="province")
    city = personal("location.region", "row.city", str)

    @strawberry.field(description="Operational: what the account may do.")
    def role(self) -> RoleEnum:  # type: ignore[valid-type]
        return self.row.role

    @strawberry.field(description="Operational: whether the account is active or being cancelled.")
    def status(self) -> AccountStatusEnum:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    orders = nested("orders", OrderNode, order_connection)
    reservations = nested("reservations", ReservationNode, reservation_connection)
    login_records = nested("login_records", LoginRecordNode, login_record_connection)
    device_logs = nested("device_logs", DeviceLogNode, device_log_connection)


def account_node(row: Account, subject: Subject) -> AccountNode:
    return AccountNode(row=row, subject=subject)


async def account_nodes(context: RequestContext, rows: list[Account]) -> list[AccountNode]:
    return await subject_nodes(context, rows, Subject.of_account, account_node)
