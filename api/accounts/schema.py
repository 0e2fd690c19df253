"""Accounts: the person themself (`me`, P-RIGHTS-1), lists for admins and API clients, and
corrections of one's own details (P-RIGHTS-2)."""

import strawberry

from api.accounts.service import (
    ProfileChanges,
    listable_accounts,
    request_phone_change_code,
    update_profile,
    visible_narrowings,
)
from api.accounts.types import ACCOUNT_CURSOR, AccountNode, account_node, account_nodes
from api.errors import not_found
from api.graphql.context import Info
from api.graphql.ids import parse_id
from api.graphql.nodes import subject_connection
from api.graphql.pagination import Connection, PageRequest, RecordPages
from api.notices.notifications import load_sender
from models.accounts import AccountRecord
from plugins.subject import Subject
from plugins.viewer import ViewerKind

ACCOUNT_PAGES = RecordPages(AccountRecord)


@strawberry.type(description="A code is on its way to the new phone, or its holder was told.")
class PhoneChangeCodeRequested:
    expires_in_seconds: int


@strawberry.input
class UpdateProfileInput:
    phone: str | None = None
    phone_code: str | None = strawberry.field(
        default=None, description="Needed with a new phone: the code sent to it."
    )
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
            row = await context.account()
        else:
            listed = listable_accounts(context.decisions).filter(id=account_id)
            row = await listed.select_related("data_key").first()
        if row is None:
            raise not_found("account")
        [node] = await account_nodes(context, [row])
        return node

    @strawberry.field(description="Accounts, newest first: admins all, API clients consenting.")
    async def accounts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AccountNode]:
        narrowings = visible_narrowings(info.context.decisions)
        request = PageRequest.of(ACCOUNT_CURSOR, first, after, last, before)
        page = await ACCOUNT_PAGES.page(narrowings, request)
        return await subject_connection(info.context, page, Subject.of_account, account_node)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Correct one's own details (P-RIGHTS-2); all are validated.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> AccountNode:
        context = info.context
        changes = ProfileChanges(
            phone=input.phone,
            phone_code=input.phone_code,
            email=input.email,
            name=input.name,
            company=input.company,
            province=input.province,
            city=input.city,
        )
        account = await update_profile(
            context.actor,
            context.runtime.throttle,
            load_sender(context.runtime.settings.notification_sender),
            await context.account(),
            changes,
        )
        [node] = await account_nodes(context, [account])
        return node

    @strawberry.mutation(
        description="Send a one-time code to the phone the signed-in person moves to "
        "(updateProfile takes it). The answer is the same whether or not the number has an "
        "account: its holder is told instead."
    )
    async def request_phone_change_code(self, info: Info, phone: str) -> PhoneChangeCodeRequested:
        context = info.context
        seconds = await request_phone_change_code(
            context.actor,
            context.runtime.throttle,
            context.runtime.settings,
            await context.account(),
            phone,
        )
        return PhoneChangeCodeRequested(expires_in_seconds=seconds)
