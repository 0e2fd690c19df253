"""The Account type: a person's details, each passing the consent engine (P-SEC-3), and what they
did (orders, reservations, sign-ins, device logs) as nested lists."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry

from api.activity.types import (
    DEVICE_CURSOR,
    LOGIN_CURSOR,
    DeviceLogNode,
    LoginRecordNode,
    device_log_connection,
    login_record_connection,
)
from api.graphql.context import Info, RequestContext
from api.graphql.nodes import SubjectNode, subject_nodes
from api.graphql.pagination import Connection, Page, PageRequest
from api.graphql.personal import personal
from api.orders.types import ORDER_CURSOR, OrderNode, order_connection
from api.reservations.types import RESERVATION_CURSOR, ReservationNode, reservation_connection
from models.accounts import Account, AccountStatus, Role
from plugins.subject import Subject

ACCOUNT_CURSOR = "account"

RoleEnum = strawberry.enum(Role, name="Role")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")


def nested(
    loader: str,
    node: type,
    build: Callable[[RequestContext, Page[Any], Account], Awaitable[Any]],
    kind: str,
) -> Any:
    """A list under an account, loaded for every account of the page in one statement."""

    async def resolve(
        root: "AccountNode",
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        request = PageRequest.of(kind, first, after, last, before)
        page = await getattr(info.context.loaders, loader).page(root.row.id, request)
        return await build(info.context, page, root.row)

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

    orders = nested("orders", OrderNode, order_connection, ORDER_CURSOR)
    reservations = nested(
        "reservations", ReservationNode, reservation_connection, RESERVATION_CURSOR
    )
    login_records = nested("login_records", LoginRecordNode, login_record_connection, LOGIN_CURSOR)
    device_logs = nested("device_logs", DeviceLogNode, device_log_connection, DEVICE_CURSOR)


def account_node(row: Account, subject: Subject) -> AccountNode:
    return AccountNode(row=row, subject=subject)


async def account_nodes(context: RequestContext, rows: list[Account]) -> list[AccountNode]:
    return await subject_nodes(context, rows, Subject.of_account, account_node)
