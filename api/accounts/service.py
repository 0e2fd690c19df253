"""People's accounts: registration with the four details the policy names (P-COLLECT-1), admins
made on the command line only, corrections of one's own details (P-RIGHTS-2), and who may list
accounts at all: admins and API clients (P-DISCLOSE-1). An admin lists every account but holds
no permission of their own, so each personal field shows at its category default, masked
(P-SEC-1), and in clear only under a legal grant (P-EXEMPT-1)."""

from collections.abc import Sequence
from dataclasses import dataclass, fields

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change, system_event
from api.auth.passwords import Passwords
from api.errors import ApiError, ErrorCode, forbidden, not_found, unauthenticated
from api.validation import checked, password
from models.accounts import Account, Duty, Role, email_lookup, phone_lookup
from models.audit import append_events
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
    role: Role = Role.USER,
) -> Account:
    phone = checked(Account, "phone", phone, "phone")
    email = checked(Account, "email", email, "email")
    name = checked(Account, "name", name, "name")
    company = checked(Account, "company", company, "company")
    secret = password(secret, phone)
    taken = Q(phone_hash=phone_lookup(phone)) | Q(email_hash=email_lookup(email))
    if await Account.filter(taken).exists():
        raise ApiError(ErrorCode.CONFLICT, TAKEN)
    password_hash = await passwords.hash(secret)
    try:
        async with in_transaction():
            account = Account(name=name, company=company, password_hash=password_hash, role=role)
            account.data_key = await DataKey.issue()
            account.phone = phone
            account.email = email
            await account.save()
    except IntegrityError:
        # Two registrations raced past the check above; the unique hashes kept one.
        raise ApiError(ErrorCode.CONFLICT, TAKEN) from None
    return account


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
        await append_events(
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
    email: str | None = None
    name: str | None = None
    company: str | None = None
    province: str | None = None
    city: str | None = None


async def update_profile(actor: Actor, account: Account, changes: ProfileChanges) -> Account:
    changed = [field.name for field in fields(changes) if getattr(changes, field.name) is not None]
    if not changed:
        raise ApiError(ErrorCode.VALIDATION_FAILED, "nothing to change", field="input")
    for field in changed:
        setattr(account, field, checked(Account, field, getattr(changes, field), field))
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
    if viewer.kind is ViewerKind.PERSON:
        raise forbidden("listing accounts is for admins and API clients")
    query = Account.all().select_related("data_key")
    narrowing = decisions.visible_accounts()
    return query.filter(narrowing) if narrowing is not None else query
