"""Everything held about a person, as one machine-readable JSON document (P-EXPORT-1).

The same document answers an ACCESS request. It is built for the person themself, so it shows
every value in clear; it is never built for anyone else.
"""

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from api.graphql.consent_receipts import consent_receipt
from models.accounts import Account, DeviceLog, LoginRecord
from models.audit import AuditEntry
from models.clock import utcnow
from models.consent import Consent, PolicyAcceptance, PolicyVersion
from models.orders import Order
from models.privacy import Notification, PrivacyRequest
from models.reservations import Reservation

FORMAT = "consentql-export/1"


def plain(value: Any) -> Any:
    """JSON-ready: times in ISO 8601, money as a decimal string, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def pick(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def pick_each(rows: Iterable[Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [pick(row, fields) for row in rows]


async def export_document(account: Account) -> dict[str, Any]:
    """`account` with its data key fetched."""
    key = account.data_key
    login_records = await LoginRecord.filter(account_id=account.id).order_by("id")
    device_logs = await DeviceLog.filter(account_id=account.id).order_by("id")
    reservations = (
        await Reservation.filter(account_id=account.id).select_related("data_key").order_by("id")
    )
    consents = (
        await Consent.filter(account_id=account.id)
        .select_related("recipient", "policy_version")
        .order_by("id")
    )
    awaiting = await PolicyVersion.awaiting_acceptance([account.id])
    requests = await PrivacyRequest.filter(account_id=account.id).order_by("id")
    subject_refs = [f"account:{account.id}", *(f"reservation:{row.id}" for row in reservations)]
    accesses = await AuditEntry.filter(subject_ref__in=subject_refs).order_by("id")
    document = {
        "format": FORMAT,
        "generated_at": utcnow(),
        "account": {
            "id": account.id,
            "phone": account.phone(),
            "email": account.email(),
            **{
                name: getattr(account, name)
                for name in ("name", "company", "province", "city", "role", "status")
            },
            "created_at": account.created_at,
            "cancelled_at": account.cancelled_at,
        },
        "login_records": [
            {
                **pick(row, ("created_at", "success", "ip", "network_type", "os")),
                "client_version": row.client_version,
                "device_phone": key.open(row.device_phone_sealed, "login.device_phone"),
            }
            for row in login_records
        ],
        "device_logs": [
            {
                **pick(row, ("created_at", "os", "network_status")),
                "device_id": key.open(row.device_id_sealed, "device.device_id"),
            }
            for row in device_logs
        ],
        "orders": pick_each(
            await Order.filter(account_id=account.id).order_by("id"),
            ("id", "kind", "product", "product_type", "amount", "currency", "status", "created_at"),
        ),
        "reservations": [
            {
                **pick(row, ("id", "product", "name", "company", "province", "city")),
                "preferred_time": row.preferred_time,
                "phone": row.phone(),
                "email": row.email(),
                "status": row.status,
                "created_at": row.created_at,
            }
            for row in reservations
        ],
        "consents": [
            {
                **pick(row, ("id", "purpose", "categories", "granted_at", "withdrawn_at")),
                "evidence": {
                    "channel": row.evidence_channel,
                    "ip": row.evidence_ip,
                    "user_agent": row.evidence_user_agent,
                },
                "receipt": dataclasses.asdict(consent_receipt(row, awaiting.get(account.id))),
            }
            for row in consents
        ],
        "policy_acceptances": [
            {"version": row.policy_version.version, "accepted_at": row.accepted_at}
            for row in await PolicyAcceptance.filter(account_id=account.id)
            .select_related("policy_version")
            .order_by("id")
        ],
        "privacy_requests": [
            {
                **pick(row, ("id", "kind", "status", "ground", "submitted_at", "due_on")),
                "details": key.open(row.details_sealed, "privacy_request.details"),
                "resolved_at": row.resolved_at,
                "resolution": row.resolution,
            }
            for row in requests
        ],
        "notifications": pick_each(
            await Notification.filter(account_id=account.id).order_by("id"),
            (
                "id",
                "topic",
                "channel",
                "title",
                "body",
                "status",
                "created_at",
                "delivered_at",
                "read_at",
            ),
        ),
        "access_history": pick_each(
            accesses,
            (
                "created_at",
                "viewer_kind",
                "viewer_ref",
                "subject_ref",
                "action",
                "categories_clear",
                "categories_masked",
                "categories_blocked",
                "basis",
            ),
        ),
    }
    return plain(document)
