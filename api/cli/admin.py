"""`consentql admin create`: admins are made on the command line, never through the API."""

import argparse
import getpass
import os

from api.accounts.service import create_admin
from api.auth.passwords import Passwords
from api.cli.database import run_with_database
from api.settings import Settings


def create(settings: Settings, args: argparse.Namespace) -> int:
    secret = os.environ.get("CONSENTQL_PASSWORD") or getpass.getpass("Password: ")

    async def work() -> int:
        account = await create_admin(
            Passwords(settings), args.phone, args.email, args.name, args.company, secret
        )
        print(f"Admin account {account.id} created.")
        return 0

    return run_with_database(settings, work)


def register(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="manage admins")
    create_command = admin.add_subparsers(dest="admin_command", required=True).add_parser(
        "create", help="create an admin; the password comes from CONSENTQL_PASSWORD or a prompt"
    )
    for option in ("--phone", "--email", "--name", "--company"):
        create_command.add_argument(option, required=True)
    create_command.set_defaults(run=create)
