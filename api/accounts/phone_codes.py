"""One-time codes that prove a phone number (P-SEC-4): asked for, sent, entered back.

Asking answers the same whether or not the number has an account: a number without one is sent
its code; the holder of a number with one is told instead that someone tried it, and the code
made for it is sent to nobody, so it can only be guessed. Asking is throttled per number and per
address; a wrong code counts a try on the code (three kill it) and, by the caller, on the
number's throttle.

A code is six digits, lives ten minutes and is used once; it is kept only as a keyed hash, and
the number it was sent to is sealed under a key of the code's own (`models.phone_codes`), which
is destroyed when the code is used or dies, and swept with the code once it has expired.
"""

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.auth.throttle import Key, SignInThrottle
from api.errors import invalid
from api.notices.notifications import load_sender, tell
from api.notices.transports import send_now
from api.settings import Settings
from models.accounts import Account, phone_lookup
from models.clock import utcnow
from models.keys import DataKey
from models.phone_codes import CodePurpose, PhoneCode, code_hash
from models.privacy import Channel, OutboxMessage

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 3
TOO_MANY_CODES = "too many codes asked for: try again later"
TOO_MANY_WRONG_CODES = "too many wrong codes: try again later"

_DOING = {
    CodePurpose.REGISTER: "register",
    CodePurpose.PHONE_CHANGE: "move your account to this number",
}
# What the holder of a number with an account is told instead of being sent a code.
WARNINGS: Mapping[CodePurpose, tuple[str, str]] = {
    CodePurpose.REGISTER: (
        "Someone tried to register with your number",
        "Someone asked for a code to register a new account with this phone number, which "
        "already has an account: yours. No code was sent and nothing was changed.",
    ),
    CodePurpose.PHONE_CHANGE: (
        "Someone tried to move your number to another account",
        "Someone signed in to another account asked for a code to change its phone number to "
        "yours. No code was sent and nothing was changed.",
    ),
}


def code_text(purpose: CodePurpose, code: str) -> str:
    minutes = int(CODE_LIFETIME.total_seconds()) // 60
    return (
        f"consentql: {code} is your code to {_DOING[purpose]}. It expires in {minutes} minutes. "
        "Never tell it anyone: we never ask for it."
    )


def one_time_code(value: str | None, field: str) -> str:
    """The six digits as sent; anything else is malformed input, not a wrong code."""
    code = (value or "").strip()
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        raise invalid(field, f"the code is the {CODE_DIGITS} digits sent to the phone")
    return code


def phone_key(phone: str) -> Key:
    """Codes asked for one number; cleared once the number is proven."""
    return ("code", phone_lookup(phone))


def request_keys(actor: Actor, phone: str) -> list[Key]:
    return [phone_key(phone), *([("code-ip", actor.address)] if actor.address else [])]


def entry_key(phone: str) -> Key:
    return ("code-try", phone_lookup(phone))


async def request_code(
    actor: Actor,
    throttle: SignInThrottle,
    settings: Settings,
    purpose: CodePurpose,
    phone: str,
    account_id: int | None = None,
) -> int:
    """Sends a code to `phone` (already checked), or tells the number's holder, at once rather
    than at the delivery job's next run: someone is waiting for it. The seconds the code lives,
    the same either way."""
    keys = request_keys(actor, phone)
    await throttle.refuse_while_waiting(keys, TOO_MANY_CODES)
    await throttle.count(keys)
    sender = load_sender(settings.notification_sender)
    async with in_transaction():
        now = utcnow()
        await sweep_expired(now)
        row, code = await issue(purpose, phone, account_id, now)
        holder = await Account.filter(phone_hash=row.phone_hash).first()
        if holder is None:
            await sender.send_code(row, code_text(purpose, code))
            queued = Q(phone_code_id=row.id)
        else:
            title, body = WARNINGS[purpose]
            await tell(sender, holder.id, Channel.SMS, title, body)
            queued = Q(notification__account_id=holder.id, created_at__gte=now)
    await send_now(
        settings, await OutboxMessage.filter(queued, sent_at=None).values_list("id", flat=True)
    )
    return int(CODE_LIFETIME.total_seconds())


async def issue(
    purpose: CodePurpose, phone: str, account_id: int | None, now: datetime
) -> tuple[PhoneCode, str]:
    """A new code for `phone`; every earlier live one for it dies. The caller holds the
    transaction."""
    await kill(live_codes(purpose, phone).filter(expires_at__gt=now), now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PhoneCode(
        purpose=purpose,
        account_id=account_id,
        code_hash=code_hash(purpose, phone, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    row.data_key = await DataKey.issue()
    row.phone = phone
    await row.save()
    return row, code


def live_codes(purpose: CodePurpose, phone: str) -> QuerySet[PhoneCode]:
    return PhoneCode.filter(
        purpose=purpose,
        phone_hash=phone_lookup(phone),
        used_at=None,
        attempts__lt=MAX_WRONG_TRIES,
    )


async def live_code(
    purpose: CodePurpose, phone: str, account_id: int | None = None
) -> PhoneCode | None:
    """The code last sent to `phone` for `purpose` (and, for a phone change, to that account),
    locked until the transaction ends, if it can still be entered."""
    query = live_codes(purpose, phone).filter(account_id=account_id, expires_at__gt=utcnow())
    return await query.select_for_update().order_by("-id").first()


async def entered_right(row: PhoneCode | None, phone: str, code: str) -> bool:
    """Whether `code` is `row`'s; a wrong one counts a try, and the last try kills the code.
    Nothing is written for a right one: `use_up` does, once the caller is done checking."""
    if row is None:
        return False
    if hmac.compare_digest(row.code_hash or "", code_hash(row.purpose, phone, code)):
        return True
    row.attempts += 1
    await row.save(update_fields=["attempts"])
    if row.attempts >= MAX_WRONG_TRIES:
        await kill(PhoneCode.filter(id=row.id), utcnow())
    return False


async def use_up(row: PhoneCode) -> None:
    """A right code is spent, whatever the rest of the request comes to: one code, one try at
    registering (so one code cannot test many emails)."""
    now = utcnow()
    await PhoneCode.filter(id=row.id).update(used_at=now)
    await kill(PhoneCode.filter(id=row.id), now)


async def kill(codes: QuerySet[PhoneCode], now: datetime) -> None:
    """The codes can no longer be entered, nor their numbers and messages opened."""
    keys = await codes.values_list("data_key_id", flat=True)
    await PhoneCode.filter(data_key_id__in=keys, expires_at__gt=now).update(expires_at=now)
    await DataKey.filter(id__in=keys, wrapped__not_isnull=True).update(
        wrapped=None, destroyed_at=now
    )


def expired_codes(now: datetime) -> QuerySet[PhoneCode]:
    """Codes past their time, used or not: none can be entered any more."""
    return PhoneCode.filter(expires_at__lte=now)


async def sweep_expired(now: datetime) -> int:
    """Expired codes deleted, with their keys and queued messages; how many."""
    keys = await expired_codes(now).values_list("data_key_id", flat=True)
    if not keys:
        return 0
    # The outbox rows go with their code (ON DELETE CASCADE).
    await PhoneCode.filter(data_key_id__in=keys).delete()
    await DataKey.filter(id__in=keys).delete()
    return len(keys)
