"""`consentql admin create | duties`: admins are made, and given their duties, on the command
line, never through the API."""

import argparse
import getpass
import os

from api.accounts.service import create_admin, set_duties
from api.auth.passwords import Passwords
from api.cli.database import run_with_database
from api.settings import Settings
from models.accounts import Duty


def create(settings: Settings, args: argparse.Namespace) -> int:
    secret = os.environ.get("CONSENTQL_PASSWORD") or getpass.getpass("Password: ")

    async def work() -> int:
        account = await create_admin(
            Passwords(settings),
            args.phone,
            args.email,
            args.name,
            args.company,
            secret,
            duties=args.duty,
        )
        print(f"Admin account {account.id} created.")
        return 0

    return run_with_database(settings, work)


def duties(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        account = await set_duties(args.account_id, args.duty)
        print(f"Admin account {account.id}: duties {', '.join(account.duties) or 'none'}.")
        return 0

    return run_with_database(settings, work)


def register(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="manage admins").add_subparsers(
        dest="admin_command", required=True
    )
    duty_choices = {"choices": list(Duty), "type": Duty, "action": "append", "default": []}
    create_command = admin.add_parser(
        "create", help="create an admin; the password comes from CONSENTQL_PASSWORD or a prompt"
    )
    for option in ("--phone", "--email", "--name", "--company"):
        create_command.add_argument(option, required=True)
    create_command.add_argument(
        "--duty", help="a duty to give (repeat for several)", **duty_choices
    )
    create_command.set_defaults(run=create)
    duties_command = admin.add_parser(
        "duties", help="set an admin's duties (those named; none without --duty)"
    )
    duties_command.add_argument("--account-id", type=int, required=True)
    duties_command.add_argument(
        "--duty", help="a duty to hold (repeat for several)", **duty_choices
    )
    duties_command.set_defaults(run=duties)
