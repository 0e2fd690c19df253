"""An admin answers a privacy request; some answers carry out what was asked.

A completed ACCESS request stores the export document, sealed under the person's key; a
completed DELETION or CANCEL_ACCOUNT request erases the person; a rejected cancellation gives the
account back. A rejection always says why, in words the person reads (P-RIGHTS-4).
"""

import json

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.errors import ApiError, ErrorCode, invalid, not_found
from api.privacy.cancellation import finalize
from api.privacy.erasure import erase
from api.privacy.export import export_document
from api.validation import text
from models.accounts import Account, AccountStatus, Duty
from models.clock import utcnow
from models.privacy import OPEN_STATUSES, PrivacyRequest, RequestKind, RequestStatus

MAX_RESOLUTION = 2000


def checked_resolution(status: RequestStatus, resolution: str | None) -> str | None:
    cleaned = text(resolution or "", "resolution", max_length=MAX_RESOLUTION, required=False)
    if status is RequestStatus.REJECTED and not cleaned:
        raise invalid("resolution", "a rejection needs a reason the person can read")
    if status is RequestStatus.RECEIVED:
        raise invalid("status", "a request cannot go back to RECEIVED")
    return cleaned or None


async def resolve(
    request: PrivacyRequest, admin_id: int, status: RequestStatus, resolution: str | None
) -> None:
    """`request` locked, with `account__data_key` fetched; the caller holds the transaction."""
    if request.status not in OPEN_STATUSES:
        raise ApiError(ErrorCode.CONFLICT, f"the request is already {request.status}")
    owner: Account = request.account
    if status is RequestStatus.COMPLETED:
        if request.kind is RequestKind.ACCESS:
            request.document = json.dumps(await export_document(owner), ensure_ascii=False)
        elif request.kind is RequestKind.DELETION:
            await erase(owner.id, str(request.ground))
        elif request.kind is RequestKind.CANCEL_ACCOUNT:
            await finalize(owner.id)
    elif status is RequestStatus.REJECTED and request.kind is RequestKind.CANCEL_ACCOUNT:
        await Account.filter(id=owner.id, status=AccountStatus.CANCELLING).update(
            status=AccountStatus.ACTIVE, cancelled_at=None
        )
    request.status = status
    request.resolution = resolution
    request.resolved_by_id = admin_id
    if status is not RequestStatus.IN_PROGRESS:
        request.resolved_at = utcnow()
    await request.save(
        update_fields=["status", "resolution", "resolved_by_id", "resolved_at", "document_sealed"]
    )


async def resolve_request(
    actor: Actor, request_id: int, status: RequestStatus, resolution: str | None
) -> PrivacyRequest:
    """Admins charged with privacy requests move one on, complete or reject it."""
    admin_id = actor.admin_id(Duty.PRIVACY_REQUESTS)
    answer = checked_resolution(status, resolution)
    async with in_transaction():
        # Locked alone: PostgreSQL cannot lock the outer-joined side of select_related.
        request = await PrivacyRequest.filter(id=request_id).select_for_update().first()
        if request is None:
            raise not_found("privacy request")
        await request.fetch_related("account__data_key")
        await resolve(request, admin_id, status, answer)
        await record_change(
            actor,
            f"account:{request.account_id}",
            "PRIVACY_REQUEST_RESOLVED",
            {"status": str(status)},
        )
    return request
