"""Registering with a phone proven by a one-time code (P-COLLECT-1, P-SEC-4).

`requestRegistrationCode` sends a code to the number (or tells its holder, when it has an
account: the answer is the same); `register` takes the code with the four details. A right code
is spent by the attempt whatever comes of it; a wrong one counts against the number's throttle,
and so does every refusal (api.accounts.taken).
"""

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.accounts.phone_codes import (
    TOO_MANY_WRONG_CODES,
    entered_right,
    entry_key,
    live_code,
    one_time_code,
    phone_key,
    request_code,
    use_up,
)
from api.accounts.service import NewAccount, create_account
from api.accounts.taken import TRIED_TO_REGISTER, not_accepted, tell_email_holder
from api.actor import Actor
from api.auth.passwords import Passwords
from api.auth.throttle import SignInThrottle
from api.notices.notifications import NotificationSender
from api.policy.acceptance import REGISTRATION, Evidence
from api.privacy.dnt import remember_signal
from api.settings import Settings
from api.validation import checked
from models.accounts import Account
from models.phone_codes import CodePurpose


async def request_registration_code(
    actor: Actor, throttle: SignInThrottle, settings: Settings, phone: str
) -> int:
    """The seconds the code lives; the same whether or not the number has an account."""
    phone = checked(Account, "phone", phone, "phone")
    return await request_code(actor, throttle, settings, CodePurpose.REGISTER, phone)


async def register(
    actor: Actor,
    throttle: SignInThrottle,
    passwords: Passwords,
    sender: NotificationSender,
    details: NewAccount,
    code: str,
) -> Account:
    # Malformed input is refused first: it tries no code and counts as no guess.
    details = details.checked()
    code = one_time_code(code, "code")
    key = entry_key(details.phone)
    await throttle.refuse_while_waiting([key], TOO_MANY_WRONG_CODES)
    account: Account | None = None
    async with in_transaction():
        row = await live_code(CodePurpose.REGISTER, details.phone)
        if await entered_right(row, details.phone, code):
            assert row is not None
            taken = await tell_email_holder(sender, details.email, TRIED_TO_REGISTER)
            # Hashed (slowly) before anything is written, so no write lock waits for it.
            password_hash = "" if taken else await passwords.hash(details.password)
            await use_up(row)
            if not taken:
                try:
                    evidence = Evidence.of(actor, REGISTRATION)
                    account = await create_account(details, password_hash, evidence)
                except IntegrityError:
                    account = None  # taken meanwhile: refused like the rest
    if account is None:
        await throttle.count([key])
        raise not_accepted()
    await throttle.forget([key, phone_key(details.phone)])
    if actor.privacy_signal is not None:
        # P-DNT-1: a registrant's signal is their choice from their first moment on.
        await remember_signal(account, actor.privacy_signal)
    return account
