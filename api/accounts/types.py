"""The Account type: a person's details, each passing the consent engine (P-SEC-3), and what they
did (orders, reservations, sign-ins, device logs) as nested lists."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from tortoise.models import Model

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
from api.graphql.personal import CATEGORY_KEY, decided_list, personal
from api.orders.types import ORDER_CURSOR, OrderNode, order_connection
from api.reservations.types import RESERVATION_CURSOR, ReservationNode, reservation_connection
from models.accounts import Account, AccountStatus, DeviceLog, Duty, LoginRecord, Role
from models.orders import Order
from models.personal import declaration_of
from models.reservations import Reservation
from plugins.subject import Subject

ACCOUNT_CURSOR = "account"

RoleEnum = strawberry.enum(Role, name="Role")
DutyEnum = strawberry.enum(Duty, name="Duty")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")


@strawberry.type
class PrivacyPreferences:
    do_not_track: bool = strawberry.field(
        description="No optional processing by anyone: no third party, no marketing, no device "
        "logs (P-DNT-1)."
    )
    set_at: datetime | None = strawberry.field(description="When the person expressed it.")
    source: str | None = strawberry.field(
        description="How: DNT or GPC (a signal their browser sent), or SETTINGS."
    )


def privacy_preferences(account: Account) -> PrivacyPreferences:
    return PrivacyPreferences(
        do_not_track=account.do_not_track,
        set_at=account.do_not_track_set_at,
        source=account.do_not_track_source,
    )


def nested(
    loader: str,
    model: type[Model],
    node: type,
    build: Callable[[RequestContext, Page[Any], Account], Awaitable[Any]],
    kind: str,
) -> Any:
    """A list under an account, loaded for every account of the page in one statement. Its rows'
    existence and number disclose their category, so the list is decided like a field: null,
    with its error, where that category is blocked for the viewer (P-SEC-3)."""
    category = declaration_of(model).row_category

    async def resolve(
        root: "AccountNode",
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        if not decided_list(info, root.subject, category):
            return None
        request = PageRequest.of(kind, first, after, last, before)
        page = await getattr(info.context.loaders, loader).page(root.row.id, request)
        return await build(info.context, page, root.row)

    resolve.__annotations__["return"] = Connection[node] | None  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve, metadata={CATEGORY_KEY: category})


@strawberry.type(name="Account")
class AccountNode(SubjectNode):
    phone = personal(Account, "phone", str)
    email = personal(Account, "email", str)
    name = personal(Account, "name", str)
    company = personal(Account, "company", str)
    province = personal(Account, "province", str, mask="province")
    city = personal(Account, "city", str)

    @strawberry.field(description="Operational: what the account may do.")
    def role(self) -> RoleEnum:  # type: ignore[valid-type]
        return self.row.role

    @strawberry.field(description="Operational: what an admin is charged with (none for others).")
    def duties(self) -> list[DutyEnum]:  # type: ignore[valid-type]
        return [Duty(duty) for duty in self.row.duties]

    @strawberry.field(
        description="The person's own Do Not Track choice: it binds every viewer (P-DNT-1)."
    )
    def privacy_preferences(self) -> PrivacyPreferences:
        return privacy_preferences(self.row)

    @strawberry.field(description="Operational: whether the account is active or being cancelled.")
    def status(self) -> AccountStatusEnum:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    orders = nested("orders", Order, OrderNode, order_connection, ORDER_CURSOR)
    reservations = nested(
        "reservations", Reservation, ReservationNode, reservation_connection, RESERVATION_CURSOR
    )
    login_records = nested(
        "login_records", LoginRecord, LoginRecordNode, login_record_connection, LOGIN_CURSOR
    )
    device_logs = nested(
        "device_logs", DeviceLog, DeviceLogNode, device_log_connection, DEVICE_CURSOR
    )


def account_node(row: Account, subject: Subject) -> AccountNode:
    return AccountNode(row=row, subject=subject)


async def account_nodes(context: RequestContext, rows: list[Account]) -> list[AccountNode]:
    return await subject_nodes(context, rows, Subject.of_account, account_node)
