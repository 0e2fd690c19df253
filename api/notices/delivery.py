"""The delivery job: sends what the outbox holds (P-SEC-6, P-UPDATE-1), so that people who never
open the app are told too.

Each message is opened for its person at sending time: the address under their data key, so an
erased person's queued message reaches no one and fails as RECIPIENT_ERASED. A message the next
hop accepted is SENT; one refused for good, or failing `max_attempts` times, is FAILED with the
reason; the others are tried again after a delay that doubles with each attempt.

Delivery is at least once: a message is marked after its transport returned, so a process that
dies in between sends it again on the next run. Logs name notifications by id, never an address
or a text.
"""

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.notices.message import Failure, Message, Outcome, Transport
from models.accounts import Account, AccountStatus
from models.clock import utcnow
from models.privacy import Channel, DeliveryStatus, Notification, OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 200
RECIPIENT_ERASED = Failure("RECIPIENT_ERASED", permanent=True)
# A one-time code used or expired before it went out: its text and number are unreadable.
CODE_EXPIRED = Failure("CODE_EXPIRED", permanent=True)
NO_ADDRESS = Failure("NO_ADDRESS", permanent=True)


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta
    max_attempts: int

    def delay(self, attempts: int) -> timedelta:
        return self.first_delay * 2 ** (attempts - 1)


def pending() -> QuerySet[OutboxMessage]:
    return OutboxMessage.filter(sent_at=None, failed_at=None)


def due(now: datetime) -> QuerySet[OutboxMessage]:
    return pending().filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))


def address(account: Account, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return account.email
    if channel is Channel.SMS:
        return account.phone
    if channel is Channel.LETTER:
        # No street is held (api/notices/letters.py): the person at their company.
        region = " ".join(part for part in (account.province, account.city) if part)
        return "\n".join(line for line in (f"{account.name} 收", account.company, region) if line)
    return None


def addressed(row: OutboxMessage) -> Message | Failure:
    if row.phone_code_id is not None:
        # Sealed under the code's own key: once the code is used or expired, nobody reads it.
        text, to = row.body, row.phone_code.phone
        if text is None or to is None:
            return CODE_EXPIRED
        return Message(f"code:{row.phone_code_id}", to, "", text)
    notification: Notification = row.notification
    account: Account = notification.account
    if account.status == AccountStatus.ERASED or account.data_key.wrapped is None:
        return RECIPIENT_ERASED
    to = address(account, row.channel)
    if not to:
        return NO_ADDRESS
    return Message(f"notification:{notification.id}", to, notification.title, notification.body)


async def record(
    rows: Sequence[OutboxMessage], outcomes: Sequence[Outcome], retry: RetryPolicy
) -> Counter[str]:
    """Each message's outcome, in one transaction for the batch."""
    now = utcnow()
    counts: Counter[str] = Counter()
    sent = [row for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
    async with in_transaction():
        if sent:
            await OutboxMessage.filter(id__in=[row.id for row in sent]).update(
                sent_at=now, attempts=F("attempts") + 1, next_attempt_at=None, last_error=None
            )
            notified = [row.notification_id for row in sent if row.notification_id is not None]
            await Notification.filter(id__in=notified).update(
                status=DeliveryStatus.SENT, delivered_at=now
            )
            counts["sent"] = len(sent)
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome is not None:
                counts[await record_failure(row, outcome, retry, now)] += 1
    return counts


async def record_failure(
    row: OutboxMessage, failure: Failure, retry: RetryPolicy, now: datetime
) -> str:
    attempts = row.attempts + 1
    outbox = OutboxMessage.filter(id=row.id)
    if failure.permanent or attempts >= retry.max_attempts:
        reason = failure.reason if failure.permanent else f"{failure.reason} ({attempts} attempts)"
        await outbox.update(
            failed_at=now, attempts=attempts, next_attempt_at=None, last_error=failure.reason
        )
        if row.notification_id is not None:
            await Notification.filter(id=row.notification_id).update(
                status=DeliveryStatus.FAILED, failure_reason=reason
            )
        logger.warning("outbox message %s (%s) not sent: %s", row.id, row.channel, reason)
        return "failed"
    await outbox.update(
        attempts=attempts, next_attempt_at=now + retry.delay(attempts), last_error=failure.reason
    )
    logger.info(
        "outbox message %s (%s) attempt %s failed: %s; retried later",
        row.id,
        row.channel,
        attempts,
        failure.reason,
    )
    return "retrying"


async def send_batch(
    transport: Transport, rows: Sequence[OutboxMessage], retry: RetryPolicy
) -> Counter[str]:
    """One channel's messages: those that cannot be addressed fail without being handed over."""
    prepared = [addressed(row) for row in rows]
    messages = [message for message in prepared if isinstance(message, Message)]
    handed = iter(await transport.deliver(messages))
    outcomes = [next(handed) if isinstance(item, Message) else item for item in prepared]
    return await record(rows, outcomes, retry)


async def deliver_due(
    transports: Mapping[Channel, Transport], retry: RetryPolicy, only: Sequence[int] | None = None
) -> Counter[str]:
    """Sends every message that is due (or only those `only` names), a batch at a time, until
    none is left."""
    counts: Counter[str] = Counter()
    channels = list(transports)
    while True:
        query = due(utcnow()).filter(channel__in=channels)
        if only is not None:
            query = query.filter(id__in=only)
        batch = (
            await query.order_by("channel", "id")
            .limit(BATCH)
            .select_related("notification__account__data_key", "phone_code__data_key")
        )
        for channel, rows in groupby(batch, key=lambda row: row.channel):
            counts += await send_batch(transports[channel], list(rows), retry)
        if len(batch) < BATCH:
            break
    if waiting := await pending().exclude(channel__in=channels).count():
        # Kept, not failed: they go out once their channel has a transport.
        logger.warning("%s queued messages wait for a channel with no transport", waiting)
        counts["waiting"] = waiting
    return counts
