"""Privacy requests and their legal due dates (P-RIGHTS-3, P-RIGHTS-4, P-DELETE-1, P-CANCEL-1).

Every request is answered within 15 calendar days; an account cancellation completes within 15
working days on the mainland China calendar. Days are counted from the day after receipt, in
mainland China time, and the due date is the last day that is still on time.
"""

from datetime import date, datetime, timedelta

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.errors import invalid
from api.privacy.calendar import WorkingCalendar, china_date
from api.validation import checked
from models.accounts import Account, Duty
from models.clock import utcnow
from models.privacy import (
    OPEN_STATUSES,
    DeletionGround,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
)

ANSWER_CALENDAR_DAYS = 15
CANCEL_WORKING_DAYS = 15


def due_on(kind: RequestKind, received_at: datetime, calendar: WorkingCalendar) -> date:
    received = china_date(received_at)
    if kind is RequestKind.CANCEL_ACCOUNT:
        return calendar.add_working_days(received, CANCEL_WORKING_DAYS)
    return received + timedelta(days=ANSWER_CALENDAR_DAYS)


def today() -> date:
    return china_date(utcnow())


def is_overdue(request: PrivacyRequest) -> bool:
    return request.status in OPEN_STATUSES and request.due_on < today()


def overdue_requests() -> QuerySet[PrivacyRequest]:
    return PrivacyRequest.filter(status__in=OPEN_STATUSES, due_on__lt=today())


def check_ground(kind: RequestKind, ground: DeletionGround | None) -> None:
    """A deletion names the policy's ground for it; no other kind names one."""
    if kind is RequestKind.DELETION and ground is None:
        raise invalid("ground", "a deletion request names one of the five grounds")
    if kind is not RequestKind.DELETION and ground is not None:
        raise invalid("ground", "only a deletion request names a ground")


async def open_request(
    account: Account,
    kind: RequestKind,
    calendar: WorkingCalendar,
    *,
    ground: DeletionGround | None = None,
    details: str | None = None,
    status: RequestStatus = RequestStatus.RECEIVED,
) -> PrivacyRequest:
    """Writes the request; the caller validated the input and holds the transaction."""
    now = utcnow()
    request = PrivacyRequest(
        account=account,
        kind=kind,
        status=status,
        ground=ground,
        submitted_at=now,
        due_on=due_on(kind, now, calendar),
    )
    request.details = details
    await request.save()
    return request


def with_owner(query: QuerySet[PrivacyRequest]) -> QuerySet[PrivacyRequest]:
    return query.select_related("account__data_key")


def requests_of(owner: Account) -> QuerySet[PrivacyRequest]:
    return with_owner(PrivacyRequest.filter(account_id=owner.id))


def requests_for_admin(
    actor: Actor, status: RequestStatus | None, overdue_only: bool
) -> QuerySet[PrivacyRequest]:
    """Admins charged with privacy requests: requests by status, or only those overdue."""
    actor.admin_id(Duty.PRIVACY_REQUESTS)
    query = overdue_requests() if overdue_only else PrivacyRequest.all()
    if status is not None:
        query = query.filter(status=status)
    return with_owner(query)


async def submit_request(
    actor: Actor,
    owner: Account,
    kind: RequestKind,
    ground: DeletionGround | None,
    details: str | None,
    calendar: WorkingCalendar,
) -> PrivacyRequest:
    """Filed by the person; due in 15 days (P-RIGHTS-4)."""
    if kind is RequestKind.CANCEL_ACCOUNT:
        raise invalid("kind", "cancel the account with requestAccountCancellation")
    check_ground(kind, ground)
    cleaned = checked(PrivacyRequest, "details", details or "", "details", required=False)
    async with in_transaction():
        request = await open_request(owner, kind, calendar, ground=ground, details=cleaned or None)
        await record_change(
            actor, f"account:{owner.id}", "PRIVACY_REQUEST_SUBMITTED", {"kind": str(kind)}
        )
    request.account = owner
    return request
