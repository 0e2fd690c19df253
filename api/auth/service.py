"""Signing in and out and changing the password (P-COLLECT-2, P-COLLECT-6, P-SEC-4)."""

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.activity.service import ClientDetails, record_sign_in_attempt
from api.actor import Actor
from api.auth.passwords import Passwords
from api.auth.sessions import end_session, end_sessions, start_session
from api.auth.throttle import SIGN_IN_REFUSED, SignInThrottle
from api.errors import ApiError, ErrorCode, invalid
from api.privacy.dnt import remember_signal
from api.validation import login_identifier, password
from models.accounts import Account, AccountStatus, Session, email_lookup, phone_lookup

WRONG_CREDENTIALS = "the login or the password is wrong"


@dataclass(frozen=True)
class SignedIn:
    account: Account
    token: str


async def sign_in(
    actor: Actor,
    passwords: Passwords,
    throttle: SignInThrottle,
    session_hours: int,
    login: str,
    secret: str,
    client: ClientDetails,
) -> SignedIn:
    kind, identifier = login_identifier(login)
    lookup = phone_lookup(identifier) if kind == "phone" else email_lookup(identifier)
    # Throttled before the account is looked up: a refusal is the same for every login. It is
    # still an attempt, and every attempt is recorded (P-COLLECT-2).
    try:
        await throttle.check(lookup, actor.address)
    except ApiError:
        await record_sign_in_attempt(actor, lookup, None, False, client)
        raise
    account = await Account.filter(**{f"{kind}_hash": lookup}).select_related("data_key").first()
    matched = await passwords.verify(account.password_hash if account else None, secret)
    allowed = matched and account is not None and account.status == AccountStatus.ACTIVE
    await record_sign_in_attempt(actor, lookup, account, allowed, client)
    if not allowed or account is None:
        await throttle.failed(lookup, actor.address)
        raise ApiError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
    await throttle.succeeded(lookup)
    if actor.privacy_signal is not None:
        await remember_signal(account, actor.privacy_signal)
    async with in_transaction():
        if passwords.needs_rehash(account.password_hash or ""):
            account.password_hash = await passwords.hash(secret)
            await account.save(update_fields=["password_hash"])
        token = await start_session(account, session_hours)
    return SignedIn(account=account, token=token)


async def sign_out(session: Session) -> None:
    await end_session(session)


async def check_password(
    actor: Actor,
    passwords: Passwords,
    throttle: SignInThrottle,
    account: Account,
    secret: str,
    field: str,
) -> None:
    """A password check outside sign-in, throttled and counted as a sign-in to the account is
    (P-SEC-4): by its phone and its email and from this address, so guessing here is guessing
    at sign-in, and a success clears the logins' counts as signing in does."""
    logins = [login for login in (account.phone_hash, account.email_hash) if login]
    keys = throttle.sign_in_keys(logins, actor.address)
    await throttle.refuse_while_waiting(keys, SIGN_IN_REFUSED)
    if not await passwords.verify(account.password_hash, secret):
        await throttle.count(keys)
        raise invalid(field, "the password is wrong")
    await throttle.forget([key for key in keys if key[0] == "login"])


async def change_password(
    actor: Actor,
    passwords: Passwords,
    throttle: SignInThrottle,
    account: Account,
    session: Session | None,
    old_password: str,
    new_password: str,
) -> None:
    """Needs the old password; ends every other session of the account."""
    # The new password is judged first: input refused as malformed counts as no guess.
    secret = password(new_password, account.phone, "newPassword")
    await check_password(actor, passwords, throttle, account, old_password, "oldPassword")
    new_hash = await passwords.hash(secret)
    async with in_transaction():
        account.password_hash = new_hash
        await account.save(update_fields=["password_hash", "updated_at"])
        await end_sessions(account.id, except_id=session.id if session else None)
