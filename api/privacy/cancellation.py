"""Account cancellation (P-CANCEL-1, P-COLLECT-7, P-RETAIN-2).

Cancelling stops sign-in at once and ends every session; from then on the account is frozen
(plugins.builtin.cancelled) and invisible to API clients. Erasure completes no later than 15
working days after it: the `erasures` job (api/jobs) erases the account on the request's due
day, from its first hour in mainland China time, and an admin may complete the request sooner.

Why the due day and not the first run after cancelling: the 15 working days are the time the
policy gives to review the request ("unless law requires otherwise"), and an admin who finds
that the law requires keeping the account rejects the cancellation, which gives the account
back; an erasure cannot be undone. The account is frozen meanwhile, so nobody but a legal grant
sees it (P-RETAIN-2). The job runs hourly and retries a failure within minutes, so the due day
leaves it 24 runs; `consentql_privacy_requests_overdue` alerts if even that fails.
"""

from datetime import date

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.auth.passwords import Passwords
from api.auth.service import check_password
from api.auth.sessions import end_sessions
from api.auth.throttle import SignInThrottle
from api.errors import ApiError, ErrorCode
from api.privacy.calendar import WorkingCalendar
from api.privacy.erasure import erase
from api.privacy.requests import open_request
from models.accounts import Account, AccountStatus, lock_active_account
from models.clock import utcnow
from models.privacy import (
    OPEN_STATUSES,
    DeletionGround,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
)

COMPLETED_NOTE = "Your account is cancelled and your personal information erased."


async def cancel(account: Account, calendar: WorkingCalendar) -> PrivacyRequest:
    """Freezes the account and opens its cancellation request; the caller holds the transaction."""
    account.status = AccountStatus.CANCELLING
    account.cancelled_at = utcnow()
    await account.save(update_fields=["status", "cancelled_at", "updated_at"])
    await end_sessions(account.id)
    return await open_request(
        account, RequestKind.CANCEL_ACCOUNT, calendar, status=RequestStatus.IN_PROGRESS
    )


async def request_cancellation(
    actor: Actor,
    passwords: Passwords,
    throttle: SignInThrottle,
    account: Account,
    password: str,
    calendar: WorkingCalendar,
) -> PrivacyRequest:
    """The person cancels their own account, proving it with their password."""
    await check_password(actor, passwords, throttle, account, password, "password")
    async with in_transaction():
        if await lock_active_account(account.id) is None:
            raise ApiError(ErrorCode.CONFLICT, "the account is already being cancelled")
        request = await cancel(account, calendar)
        await record_change(actor, f"account:{account.id}", "CANCELLATION_REQUESTED", {})
    request.account = account
    return request


async def finalize(account_id: int) -> bool:
    """Erases a cancelling account and completes its request; False when already done."""
    async with in_transaction():
        erased = await erase(account_id, DeletionGround.STOPPED_USING)
        await PrivacyRequest.filter(
            account_id=account_id, kind=RequestKind.CANCEL_ACCOUNT, status__in=OPEN_STATUSES
        ).update(status=RequestStatus.COMPLETED, resolved_at=utcnow(), resolution=COMPLETED_NOTE)
    return erased


async def due_cancellations(day: date) -> list[int]:
    """Cancelling accounts whose open cancellation request is due on or before `day`."""
    return (
        await PrivacyRequest.filter(
            kind=RequestKind.CANCEL_ACCOUNT,
            status__in=OPEN_STATUSES,
            due_on__lte=day,
            account__status=AccountStatus.CANCELLING,
        )
        .order_by("account_id")
        .distinct()
        .values_list("account_id", flat=True)
    )


async def erase_due_cancellations(day: date) -> int:
    """The `erasures` job: every cancelled account due by `day`, each in its own transaction."""
    erased = 0
    for account_id in await due_cancellations(day):
        erased += await finalize(account_id)
    return erased
