"""Accounts: the person themself (`me`, P-RIGHTS-1), and lists for admins and API clients."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.audit.events import record
from api.errors import ApiError, ErrorCode, forbidden, not_found, unauthenticated
from api.graphql.activity import (
    DeviceLogNode,
    LoginRecordNode,
    device_log_connection,
    login_record_connection,
)
from api.graphql.context import Info, RequestContext
from api.graphql.ids import parse_id
from api.graphql.nodes import SubjectNode
from api.graphql.orders import OrderNode, order_connection
from api.graphql.pagination import (
    Connection,
    connection,
    newest_first,
    page_size,
)
from api.graphql.personal import personal
from api.graphql.reservations import ReservationNode, reservation_connection
from api.validation import email_address, mainland_mobile, text
from models.accounts import Account, AccountStatus, Role
from plugins.subject import Subject
from plugins.viewer import ViewerKind

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


async def account_nodes(context: RequestContext, rows: list[Account]) -> list[AccountNode]:
    subjects = [Subject.of_account(row) for row in rows]
    await context.decisions.prepare(subjects)
    return [
        AccountNode(row=row, subject=subject) for row, subject in zip(rows, subjects, strict=True)
    ]


def listable_accounts(context: RequestContext) -> QuerySet[Account]:
    """The accounts this viewer may see at all: admins all, API clients the consenting ones."""
    viewer = context.viewer
    if viewer.kind is ViewerKind.ANONYMOUS:
        raise unauthenticated()
    if viewer.kind is ViewerKind.PERSON:
        raise forbidden("listing accounts is for admins and API clients")
    query = Account.all().select_related("data_key")
    narrowing = context.decisions.visible_accounts()
    return query.filter(narrowing) if narrowing is not None else query


@strawberry.input
class UpdateProfileInput:
    phone: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    province: str | None = None
    city: str | None = None


@strawberry.type
class AccountQueries:
    @strawberry.field(description="Everything held about the signed-in person, unmasked.")
    async def me(self, info: Info) -> AccountNode | None:
        if info.context.session is None:
            return None
        [node] = await account_nodes(info.context, [info.context.session.account])
        return node

    @strawberry.field(description="One account: admins any, API clients only consenting people.")
    async def account(self, info: Info, id: strawberry.ID) -> AccountNode | None:
        context = info.context
        account_id = parse_id(id, "account")
        if context.viewer.kind is ViewerKind.PERSON and context.viewer.account_id == account_id:
            [own] = await account_nodes(context, [await context.account()])
            return own
        row = await listable_accounts(context).filter(id=account_id).first()
        if row is None:
            raise not_found("account")
        [node] = await account_nodes(context, [row])
        return node

    @strawberry.field(description="Accounts, newest first: admins all, API clients consenting.")
    async def accounts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AccountNode]:
        rows = await newest_first(listable_accounts(info.context), ACCOUNT_CURSOR, first, after)
        nodes = iter(await account_nodes(info.context, rows))
        return connection(rows, ACCOUNT_CURSOR, first, lambda _row: next(nodes))


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Correct one's own details (P-RIGHTS-2); all are validated.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> AccountNode:
        account = await info.context.account()
        changes: list[str] = []
        if input.phone is not None:
            account.set_phone(mainland_mobile(input.phone))
            changes.append("phone")
        if input.email is not None:
            account.set_email(email_address(input.email))
            changes.append("email")
        for field, limit in (("name", 64), ("company", 128), ("province", 32), ("city", 32)):
            value = getattr(input, field)
            if value is not None:
                setattr(account, field, text(value, field, max_length=limit))
                changes.append(field)
        if not changes:
            raise ApiError(ErrorCode.VALIDATION_FAILED, "nothing to change", field="input")
        try:
            async with in_transaction():
                await account.save()
                await record(
                    info.context, f"account:{account.id}", "PROFILE_UPDATED", {"fields": changes}
                )
        except IntegrityError:
            raise ApiError(
                ErrorCode.CONFLICT, "that phone or email belongs to another account"
            ) from None
        [node] = await account_nodes(info.context, [account])
        return node
