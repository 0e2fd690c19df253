"""Creating an account: the four details the policy names, validated, sealed (P-COLLECT-1)."""

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api.auth.passwords import Passwords
from api.errors import ApiError, ErrorCode
from api.validation import email_address, mainland_mobile, password, text
from models.accounts import Account, Role, email_lookup, phone_lookup
from models.keys import DataKey

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
    phone = mainland_mobile(phone)
    email = email_address(email)
    name = text(name, "name", max_length=64)
    company = text(company, "company", max_length=128)
    secret = password(secret, phone)
    taken = Q(phone_hash=phone_lookup(phone)) | Q(email_hash=email_lookup(email))
    if await Account.filter(taken).exists():
        raise ApiError(ErrorCode.CONFLICT, TAKEN)
    password_hash = await passwords.hash(secret)
    try:
        async with in_transaction():
            account = Account(name=name, company=company, password_hash=password_hash, role=role)
            account.data_key = await DataKey.issue()
            account.set_phone(phone)
            account.set_email(email)
            await account.save()
    except IntegrityError:
        # Two registrations raced past the check above; the unique hashes kept one.
        raise ApiError(ErrorCode.CONFLICT, TAKEN) from None
    return account
