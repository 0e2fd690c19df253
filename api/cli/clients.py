"""`consentql clients issue | list | revoke | rotate`: API clients of affiliates and third
parties, managed from the command line by a named admin, audited like the same mutations."""

import argparse
import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from api.actor import Actor
from api.affiliates.service import (
    MAX_OVERLAP_HOURS,
    ClientRequest,
    clients_of,
    issue_client,
    revoke_client,
    rotate_client,
)
from api.cli.database import database_command
from api.cli.options import env_option
from api.errors import invalid
from api.validation import login_identifier
from models.accounts import Account, Role, email_lookup, phone_lookup
from models.consent import ApiClient
from plugins.viewer import Viewer, ViewerKind


async def acting_admin(login: str) -> Actor:
    """The admin the command acts as, named by phone or email: the audit log says who."""
    kind, identifier = login_identifier(login)
    lookup = phone_lookup(identifier) if kind == "phone" else email_lookup(identifier)
    account = await Account.get_or_none(**{f"{kind}_hash": lookup}, role=Role.ADMIN)
    if account is None:
        raise invalid("admin", "no admin account has this login")
    return Actor(viewer=Viewer(kind=ViewerKind.ADMIN, account_id=account.id))


def described(client: ApiClient) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": client.id,
        "affiliate": client.affiliate_id,  # type: ignore[attr-defined]
        "name": client.name,
        "purpose": client.purpose,
        "categories": list(client.categories),
        "expires_at": moment(client.expires_at),
        "revoked_at": moment(client.revoked_at),
        "rotated_at": moment(client.rotated_at),
        "previous_token_valid_until": moment(client.previous_token_until),
    }


def print_issued(token: str, client: ApiClient, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"token": token, "client": described(client)}))
        return
    print(f"API client {client.id}: {token}")
    print("The token is shown this once; only its digest is kept.")


async def issue(args: argparse.Namespace) -> int:
    actor = await acting_admin(args.admin)
    request = ClientRequest(
        affiliate_id=args.affiliate,
        name=args.name,
        purpose=args.purpose,
        categories=[c.strip() for c in args.categories.split(",") if c.strip()],
        expires_at=args.expires_at,
    )
    issued = await issue_client(actor, request)
    print_issued(issued.token, issued.client, args.json)
    return 0


async def rotate(args: argparse.Namespace) -> int:
    issued = await rotate_client(await acting_admin(args.admin), args.client, args.overlap_hours)
    print_issued(issued.token, issued.client, args.json)
    if not args.json:
        until = issued.client.previous_token_until
        print(f"The previous token works until {until.isoformat() if until else 'now'}.")
    return 0


async def revoke(args: argparse.Namespace) -> int:
    client = await revoke_client(await acting_admin(args.admin), args.client)
    if args.json:
        print(json.dumps(described(client)))
    else:
        print(f"API client {client.id} revoked at {client.revoked_at}.")
    return 0


async def list_clients(args: argparse.Namespace) -> int:
    rows = [
        described(row) for row in await clients_of(await acting_admin(args.admin), args.affiliate)
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    table = Table(title=f"API clients ({len(rows)})")
    columns = ("id", "affiliate", "name", "purpose", "categories", "expires_at", "revoked_at")
    for column in (*columns, "previous_token_valid_until"):
        table.add_column(column.replace("_", " "))
    for row in rows:
        cells = [row[column] for column in (*columns, "previous_token_valid_until")]
        table.add_row(*(", ".join(c) if isinstance(c, list) else str(c or "-") for c in cells))
    Console().print(table)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    clients = commands.add_parser(
        "clients", help="API clients of affiliates and third parties (P-SHARE-2)"
    ).add_subparsers(dest="clients_command", required=True)
    issue_command = clients.add_parser("issue", help="issue a client; prints its token once")
    issue_command.add_argument("--affiliate", type=int, required=True, help="recipient id")
    issue_command.add_argument("--name", required=True)
    issue_command.add_argument("--purpose", required=True, help="one of the recipient's purposes")
    issue_command.add_argument(
        "--categories", required=True, help="comma-separated data categories, e.g. contact.phone"
    )
    issue_command.add_argument(
        "--expires-at", type=datetime.fromisoformat, help="ISO 8601 with a time zone"
    )
    list_command = clients.add_parser("list", help="list clients, revoked ones included")
    list_command.add_argument("--affiliate", type=int, help="only this recipient's")
    rotate_command = clients.add_parser(
        "rotate", help="a new token; the old one keeps working for the overlap, then stops"
    )
    rotate_command.add_argument(
        "--overlap-hours",
        type=int,
        default=24,
        help=f"how long the old token keeps working (0 to {MAX_OVERLAP_HOURS})",
    )
    revoke_command = clients.add_parser("revoke", help="the client's tokens stop at once")
    for command, work in (
        (issue_command, issue),
        (list_command, list_clients),
        (rotate_command, rotate),
        (revoke_command, revoke),
    ):
        if command in (rotate_command, revoke_command):
            command.add_argument("client", type=int, help="client id")
        env_option(
            command,
            "--admin",
            env="CONSENTQL_ADMIN",
            required=True,
            help="phone or email of the admin acting (the audit log names them)",
        )
        command.add_argument("--json", action="store_true", help="print JSON")
        command.set_defaults(run=database_command(work))
