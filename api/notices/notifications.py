"""Telling people: one notification per person, handed to a pluggable sender.

The default sender delivers in-app notifications at once (`myNotifications` shows them) and
queues the others in the outbox table, in the caller's transaction; the delivery job
(api/notices/delivery.py) sends them by email, SMS or letter. One-time codes go the same way to a
number that has no account yet (`send_code`). Another sender is named in the settings as
"module:Class". The person marks what they have read.
"""

import importlib
from collections.abc import Sequence
from functools import cache
from typing import Protocol

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.errors import not_found
from models.accounts import Account, AccountStatus
from models.clock import utcnow
from models.consent import PolicyVersion
from models.phone_codes import PhoneCode
from models.privacy import (
    Channel,
    DeliveryStatus,
    Incident,
    Notification,
    NotificationTopic,
    OutboxMessage,
    Transfer,
)


class NotificationSender(Protocol):
    async def send(self, notifications: Sequence[Notification]) -> None:
        """Deliver or queue each notification and record its delivery status."""

    async def send_code(self, code: PhoneCode, text: str) -> None:
        """Deliver or queue `text` by SMS to the number `code` was made for, which has no account
        (yet): `code.phone` opens it, under the code's own key, fetched with it."""


class OutboxSender:
    async def send(self, notifications: Sequence[Notification]) -> None:
        now = utcnow()
        in_app = [row.id for row in notifications if row.channel == Channel.IN_APP]
        queued = [row for row in notifications if row.channel != Channel.IN_APP]
        await Notification.filter(id__in=in_app).update(
            status=DeliveryStatus.DELIVERED, delivered_at=now
        )
        await Notification.filter(id__in=[row.id for row in queued]).update(
            status=DeliveryStatus.QUEUED
        )
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(notification_id=row.id, channel=row.channel, created_at=now)
                for row in queued
            ]
        )

    async def send_code(self, code: PhoneCode, text: str) -> None:
        message = OutboxMessage(phone_code=code, channel=Channel.SMS, created_at=utcnow())
        message.body = text
        await message.save()


@cache
def load_sender(path: str) -> NotificationSender:
    module, _, name = path.partition(":")
    sender: NotificationSender = getattr(importlib.import_module(module), name)()
    return sender


async def active_people() -> list[int]:
    return await Account.filter(status=AccountStatus.ACTIVE).values_list("id", flat=True)


async def notify(
    sender: NotificationSender,
    account_ids: Sequence[int],
    *,
    topic: NotificationTopic,
    channel: Channel,
    title: str,
    body: str,
    incident: Incident | None = None,
    policy_version: PolicyVersion | None = None,
    transfer: Transfer | None = None,
) -> int:
    """One notification per person, in one insert; the caller holds the transaction. A round
    is told apart by its topic with its incident, policy version or transfer."""
    now = utcnow()
    await Notification.bulk_create(
        [
            Notification(
                account_id=account_id,
                topic=topic,
                channel=channel,
                title=title,
                body=body,
                incident=incident,
                policy_version=policy_version,
                transfer=transfer,
                created_at=now,
            )
            for account_id in account_ids
        ]
    )
    # Read back by what is unique to this round.
    batch = Notification.filter(
        topic=topic,
        incident_id=incident.id if incident else None,
        policy_version_id=policy_version.id if policy_version else None,
        transfer_id=transfer.id if transfer else None,
    )
    await sender.send(await batch)
    return len(account_ids)


async def tell(
    sender: NotificationSender, account_id: int, channel: Channel, title: str, body: str
) -> None:
    """One security notice to one person: someone tried their phone or email (P-SEC-4). The
    caller holds the transaction."""
    notice = await Notification.create(
        account_id=account_id,
        topic=NotificationTopic.SECURITY,
        channel=channel,
        title=title,
        body=body,
        created_at=utcnow(),
    )
    await sender.send([notice])


def notifications_of(account_id: int, *, unread_only: bool = False) -> QuerySet[Notification]:
    query = Notification.filter(account_id=account_id)
    return query.filter(read_at=None) if unread_only else query


async def count_unread(account_id: int) -> int:
    return await notifications_of(account_id, unread_only=True).count()


async def mark_read(account_id: int, notification_ids: Sequence[int]) -> list[Notification]:
    """The person's notifications named, newest first, now read; one read already keeps its first
    reading. One not theirs is NOT_FOUND, whether it exists or not, and then nothing is marked."""
    async with in_transaction():
        # Written before it is read back, so each row returned shows what is stored, also when
        # another request marked it meanwhile; a foreign id then rolls the write back.
        await (
            notifications_of(account_id, unread_only=True)
            .filter(id__in=notification_ids)
            .update(read_at=utcnow())
        )
        rows = await notifications_of(account_id).filter(id__in=notification_ids).order_by("-id")
        if len(rows) != len(set(notification_ids)):
            raise not_found("notification")
    return rows


async def mark_all_read(account_id: int) -> int:
    """Every unread notification of the person marked read in one statement; how many were."""
    return await notifications_of(account_id, unread_only=True).update(read_at=utcnow())
