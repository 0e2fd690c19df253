"""People's accounts: registration with the four details the policy names (P-COLLECT-1), admins
made on the command line only, corrections of one's own details (P-RIGHTS-2), and who may list
accounts at all: admins and API clients (P-DISCLOSE-1). An admin lists every account but holds
no permission of their own, so each personal field shows at its category default, masked
(P-SEC-1), and in clear only under a legal grant (P-EXEMPT-1)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from api.auth.passwords import Passwords
from api.errors import ApiError, ErrorCode, forbidden, unauthenticated
from api.policy.acceptance import Evidence, record_acceptance
from api.validation import email_address, mainland_mobile, password, text
from models.accounts import Account, Role, email_lookup, phone_lookup
from models.consent import PolicyVersion
from models.keys import DataKey
from plugins.engine import RequestDecisions
from plugins.viewer import ViewerKind

TAKEN = "an account with this phone or email exists"


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
    """Registering accepts the policy version in effect (P-UPDATE-1; the policy's opening
    paragraph): the acceptance is recorded with `evidence` in the account's own transaction.
    `within` runs in it too: what must stand or fall with the account (a partner invitation
    claimed)."""
    phone = mainland_mobile(phone)
    email = email_address(email)
    name = text(name, "name", max_length=64)
    company = text(company, "company", max_length=128)
    secret = password(secret, phone)
    taken = Q(phone_hash=phone_lookup(phone)) | Q(email_hash=email_lookup(email))
    if await Account.filter(taken).exists():
        raise ApiError(ErrorCode.CONFLICT, TAKEN)
    password_hash = await passwords.hash(secret)
    # In a database `consentql migrate` prepared, the founding version is always in effect.
    policy = await PolicyVersion.current()
    try:
        async with in_transaction():
            account = Account(
                name=name,
                company=company,
                password_hash=password_hash,
                role=role,
                partner_of_id=partner_of,
            )
            account.data_key = await DataKey.issue()
            account.set_phone(phone)
            account.set_email(email)
            await account.save()
            if policy is not None:
                await record_acceptance(account.id, policy, evidence)
            if within is not None:
                await within(account)
    except IntegrityError:
        # Two registrations raced past the check above; the unique hashes kept one.
        raise ApiError(ErrorCode.CONFLICT, TAKEN) from None
    return account


async def create_admin(
    passwords: Passwords, phone: str, email: str, name: str, company: str, secret: str
) -> Account:
    """Admins are made on the command line, never through the API."""
    return await register(
        passwords,
        phone=phone,
        email=email,
        name=name,
        company=company,
        secret=secret,
        evidence=Evidence(channel="cli"),
        role=Role.ADMIN,
    )


@dataclass(frozen=True)
class ProfileChanges:
    """What a person corrects; None leaves a detail as it is."""

    phone: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    province: str | None = None
    city: str | None = None


TEXT_LIMITS = {"name": 64, "company": 128, "province": 32, "city": 32}


async def update_profile(actor: Actor, account: Account, changes: ProfileChanges) -> Account:
    changed = [field.name for field in fields(changes) if getattr(changes, field.name) is not None]
    if not changed:
        raise ApiError(ErrorCode.VALIDATION_FAILED, "nothing to change", field="input")
    if changes.phone is not None:
        account.set_phone(mainland_mobile(changes.phone))
    if changes.email is not None:
        account.set_email(email_address(changes.email))
    for field, limit in TEXT_LIMITS.items():
        value = getattr(changes, field)
        if value is not None:
            setattr(account, field, text(value, field, max_length=limit))
    try:
        async with in_transaction():
            await account.save()
            await record_change(
                actor, f"account:{account.id}", "PROFILE_UPDATED", {"fields": changed}
            )
    except IntegrityError:
        raise ApiError(
            ErrorCode.CONFLICT, "that phone or email belongs to another account"
        ) from None
    return account


def listable_accounts(decisions: RequestDecisions) -> QuerySet[Account]:
    """The accounts a viewer may list: only admins and API clients list at all; which rows they
    see is the consent plugins' narrowing (an API client: the consenting people)."""
    viewer = decisions.viewer
    if viewer.kind is ViewerKind.ANONYMOUS:
        raise unauthenticated()
    if viewer.kind not in (ViewerKind.ADMIN, ViewerKind.API_CLIENT):
        raise forbidden("listing accounts is for admins and API clients")
    query = Account.all().select_related("data_key")
    narrowing = decisions.visible_accounts()
    return query.filter(narrowing) if narrowing is not None else query
