"""Cancelling one's account (P-CANCEL-1): sign-in stops at once, erasure follows by its due date."""

import strawberry
from tortoise.transactions import in_transaction

from api.audit.events import record
from api.errors import ApiError, ErrorCode, invalid
from api.graphql.context import Info
from api.graphql.privacy_requests import PrivacyRequestNode
from api.privacy.calendar import working_calendar
from api.privacy.cancellation import cancel
from models.accounts import lock_active_account


@strawberry.type
class CancellationMutations:
    @strawberry.mutation(
        description="Cancel the signed-in account (needs the password): every session ends at "
        "once and the personal information is erased within 15 working days."
    )
    async def request_account_cancellation(self, info: Info, password: str) -> PrivacyRequestNode:
        context = info.context
        account = await context.account()
        if not await context.services.passwords.verify(account.password_hash, password):
            raise invalid("password", "the password is wrong")
        calendar = working_calendar(context.services.settings.holiday_calendar_dir)
        async with in_transaction():
            if await lock_active_account(account.id) is None:
                raise ApiError(ErrorCode.CONFLICT, "the account is already being cancelled")
            request = await cancel(account, calendar)
            await record(context, f"account:{account.id}", "CANCELLATION_REQUESTED", {})
        context.clear_session_cookie()
        request.account = account
        return PrivacyRequestNode(row=request, by_owner=True)
