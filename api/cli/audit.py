"""`consentql audit verify`: proves the hash chain of the audit log whole, or names where it
breaks (P-SEC-5)."""

import argparse
import sys

from api.cli.database import run_with_database
from models.audit import AuditEvent, verify_chain


async def verify() -> int:
    broken = await verify_chain()
    if broken is not None:
        print(f"chain broken at event {broken}", file=sys.stderr)
        return 1
    print(f"chain intact ({await AuditEvent.all().count()} events)")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit log (P-SEC-5)")
    audit.add_subparsers(dest="audit_command", required=True).add_parser(
        "verify", help="check the hash chain; exit 1 at the first break"
    ).set_defaults(run=lambda settings, args: run_with_database(settings, verify))
