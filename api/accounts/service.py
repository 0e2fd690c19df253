"""People's accounts: registration with the four details the policy names (P-COLLECT-1), admins
made on the command line only, corrections of one's own details (P-RIGHTS-2), and who may list
accounts at all: admins and API clients (P-DISCLOSE-1). An admin lists every account but holds
no permission of their own, so each personal field shows at its category default, masked
(P-SEC-1), and in clear only under a legal grant (P-EXEMPT-1)."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
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
from api.accounts.taken import TRIED_TO_TAKE_OVER, not_accepted, tell_email_holder
from api.actor import Actor
from api.audit.events import record_change, system_event
from api.auth.passwords import Passwords
from api.auth.throttle import SignInThrottle
from api.errors import ApiError, ErrorCode, forbidden, invalid, not_found, unauthenticated
from api.notices.notifications import NotificationSender
from api.policy.acceptance import Evidence, record_acceptance
from api.settings import Settings
from api.validation import checked, password
from models.accounts import Account, Duty, Role, email_lookup, phone_lookup
from models.audit_chain import append_entries
from models.consent import PolicyVersion
from models.keys import DataKey
from models.phone_codes import CodePurpose
from plugins.base import Narrowing, narrowed
from plugins.engine import RequestDecisions
from plugins.viewer import ViewerKind

TAKEN = "an account with this phone or email exists"


@dataclass(frozen=True)
class NewAccount:
    """The four details the policy names, and the password, as typed."""

    phone: str
    email: str
    name: str
    company: str
    password: str

    def checked(self) -> "NewAccount":
        phone = checked(Account, "phone", self.phone, "phone")
        return NewAccount(
            phone=phone,
            email=checked(Account, "email", self.email, "email"),
            name=checked(Account, "name", self.name, "name"),
            company=checked(Account, "company", self.company, "company"),
            password=password(self.password, phone),
        )


async def create_account(
    details: NewAccount,
    password_hash: str,
    evidence: Evidence,
    role: Role = Role.USER,
    *,
    partner_of: int | None = None,
    within: Callable[[Account], Awaitable[None]] | None = None,
) -> Account:
    """The account of checked details, with its data key. Registering accepts the policy
    version in effect (P-UPDATE-1; the policy's opening paragraph): the acceptance is recorded
    with `evidence` in the account's own transaction. `within` runs in it too: what must stand
    or fall with the account (a partner invitation claimed). IntegrityError when the phone or
    the email has an account: the unique hashes keep one, also of two registrations racing."""
    # In a database `consentql migrate` prepared, the founding version is always in effect.
    policy = await PolicyVersion.current()
    async with in_transaction():
        account = Account(
            name=details.name,
            company=details.company,
            password_hash=password_hash,
            role=role,
            partner_of_id=partner_of,
        )
        account.data_key = await DataKey.issue()
        account.phone = details.phone
        account.email = details.email
        await account.save()
        if policy is not None:
            await record_acceptance(account.id, policy, evidence)
        if within is not None:
            await within(account)
    return account


async def register(
    passwords: Passwords,
    *,
    phone: str,
    email: str,
    name: str,
    company: str,
    secret: str,
    evidence: Evidence,
    role: Role = Role.USER,
    partner_of: int | None = None,
    within: Callable[[Account], Awaitable[None]] | None = None,
) -> Account:
    """An account whose phone nobody proved: made by the operator, who vouches for it
    (`consentql admin create`), by the demo seed, and for partner staff through the invitation
    an admin sent them. People register through api.accounts.registration, with a code sent to
    the phone (P-SEC-4)."""
    details = NewAccount(phone, email, name, company, secret).checked()
    taken = Q(phone_hash=phone_lookup(details.phone)) | Q(email_hash=email_lookup(details.email))
    if await Account.filter(taken).exists():
        raise ApiError(ErrorCode.CONFLICT, TAKEN)
    try:
        return await create_account(
            details,
            await passwords.hash(details.password),
            evidence,
            role,
            partner_of=partner_of,
            within=within,
        )
    except IntegrityError:
        raise ApiError(ErrorCode.CONFLICT, TAKEN) from None


async def create_admin(
    passwords: Passwords,
    phone: str,
    email: str,
    name: str,
    company: str,
    secret: str,
    duties: Sequence[Duty] = (),
) -> Account:
    """Admins are made on the command line, never through the API."""
    account = await register(
        passwords,
        phone=phone,
        email=email,
        name=name,
        company=company,
        secret=secret,
        evidence=Evidence(channel="cli"),
        role=Role.ADMIN,
    )
    if duties:
        account = await set_duties(account.id, duties)
    return account


async def set_duties(account_id: int, duties: Sequence[Duty]) -> Account:
    """What an admin is charged with (on the command line only), on record (P-SEC-5)."""
    async with in_transaction():
        account = await Account.filter(id=account_id, role=Role.ADMIN).select_for_update().first()
        if account is None:
            raise not_found("admin account")
        account.duties = sorted(set(duties))
        await account.save(update_fields=["duties", "updated_at"])
        await append_entries(
            [
                system_event(
                    f"account:{account_id}", "DUTIES_SET", "operator", {"duties": account.duties}
                )
            ]
        )
    return account


@dataclass(frozen=True)
class ProfileChanges:
    """What a person corrects; None leaves a detail as it is."""

    phone: str | None = None
    # The code sent to the new phone (requestPhoneChangeCode): a phone changes only with it.
    phone_code: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    province: str | None = None
    city: str | None = None

    def details(self) -> dict[str, str]:
        return {
            field.name: value
            for field in fields(self)
            if field.name != "phone_code" and (value := getattr(self, field.name)) is not None
        }


async def request_phone_change_code(
    actor: Actor, throttle: SignInThrottle, settings: Settings, account: Account, phone: str
) -> int:
    """The seconds the code lives; the same whether or not the number has an account."""
    phone = checked(Account, "phone", phone, "phone")
    if phone == account.phone:
        raise invalid("phone", "this is already the account's phone number")
    return await request_code(
        actor, throttle, settings, CodePurpose.PHONE_CHANGE, phone, account.id
    )


async def update_profile(
    actor: Actor,
    throttle: SignInThrottle,
    sender: NotificationSender,
    account: Account,
    changes: ProfileChanges,
) -> Account:
    """A new phone needs the code sent to it; a phone or an email of another account is refused
    as a wrong code is, without saying so (api.accounts.taken)."""
    given = changes.details()
    if not given:
        raise ApiError(ErrorCode.VALIDATION_FAILED, "nothing to change", field="input")
    values = {field: checked(Account, field, value, field) for field, value in given.items()}
    new_phone = values["phone"] if values.get("phone", account.phone) != account.phone else None
    new_email = values["email"] if values.get("email", account.email) != account.email else None
    code = one_time_code(changes.phone_code, "phoneCode") if new_phone else ""
    keys = [("profile", str(account.id)), *([entry_key(new_phone)] if new_phone else [])]
    if new_phone or new_email:
        await throttle.refuse_while_waiting(keys, TOO_MANY_WRONG_CODES)
    refused = False
    async with in_transaction():
        if new_phone:
            row = await live_code(CodePurpose.PHONE_CHANGE, new_phone, account.id)
            refused = not await entered_right(row, new_phone, code)
            if row is not None and not refused:
                await use_up(row)
        if new_email and not refused:
            refused = await tell_email_holder(sender, new_email, TRIED_TO_TAKE_OVER, account.id)
        if not refused:
            for field, value in values.items():
                setattr(account, field, value)
            try:
                async with in_transaction():
                    await account.save()
                    await record_change(
                        actor, f"account:{account.id}", "PROFILE_UPDATED", {"fields": list(values)}
                    )
            except IntegrityError:
                refused = True  # taken meanwhile
    if refused:
        await throttle.count(keys)
        raise not_accepted()
    if new_phone:
        await throttle.forget([entry_key(new_phone), phone_key(new_phone)])
    return account


def visible_narrowings(decisions: RequestDecisions) -> tuple[Narrowing, ...]:
    """Which accounts a viewer may list: only admins and API clients list at all; which rows
    they see is the consent plugins' narrowing (an API client: the consenting people)."""
    viewer = decisions.viewer
    if viewer.kind is ViewerKind.ANONYMOUS:
        raise unauthenticated()
    if viewer.kind not in (ViewerKind.ADMIN, ViewerKind.API_CLIENT):
        raise forbidden("listing accounts is for admins and API clients")
    return decisions.visible_accounts()


def listable_accounts(decisions: RequestDecisions) -> QuerySet[Account]:
    """The accounts a viewer may list, as a query to refine."""
    return narrowed(Account.all(), visible_narrowings(decisions))
