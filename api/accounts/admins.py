"""Admins are made on the command line, never through the API."""

from api.accounts.registration import register
from api.auth.passwords import Passwords
from api.settings import Settings
from models.accounts import Role


async def create_admin(
    settings: Settings, phone: str, email: str, name: str, company: str, password: str
) -> int:
    account = await register(
        Passwords(settings),
        phone=phone,
        email=email,
        name=name,
        company=company,
        secret=password,
        role=Role.ADMIN,
    )
    return account.id
