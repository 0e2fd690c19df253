"""`consentql audit verify [--json]` and `consentql audit checkpoint` (P-SEC-5).

Exit status: 0 the ledger is whole, 1 something is broken and needs a person (each problem is
named with its chain and position), 2 the command could not run (configuration, database).
"""

import argparse
import json
import sys

from api.audit.checkpoints import LedgerBroken, checkpoint, checkpoint_location
from api.cli.database import run_with_database
from api.cli.exit_codes import NEEDS_A_PERSON, OK
from api.settings import Settings
from models.audit_verify import Report, verify_ledger


def summary(report: Report) -> str:
    chains = report.chains
    links = sum(chain.links for chain in chains)
    entries = sum(chain.entries for chain in chains)
    text = f"audit ledger intact: {len(chains)} chains, {links} links, {entries} entries"
    if report.legacy_events:
        text += f" ({report.legacy_events} recorded before the links, their old chain whole)"
    if report.checkpoint is not None:
        text += f"; the checkpoint of {report.checkpoint.taken_at} matches"
    return text


async def verify(settings: Settings, as_json: bool) -> int:
    report = await verify_ledger(checkpoint_location(settings))
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    elif report.intact:
        print(summary(report))
    else:
        print(f"audit ledger broken ({len(report.problems)} problems):", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    if report.checkpoint is None and not as_json:
        print("no checkpoint yet: run `consentql audit checkpoint`", file=sys.stderr)
    return OK if report.intact else NEEDS_A_PERSON


async def take(settings: Settings) -> int:
    try:
        taken = await checkpoint(settings)
    except LedgerBroken as broken:
        print(f"no checkpoint taken; the ledger is broken: {broken}", file=sys.stderr)
        return NEEDS_A_PERSON
    print(f"checkpoint of {len(taken.heads)} chains appended to {checkpoint_location(settings)}")
    return OK


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit ledger (P-SEC-5)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify_command = audit_commands.add_parser(
        "verify",
        help="check every chain, entry and the latest checkpoint: exit 0 intact, 1 broken, "
        "2 could not run",
    )
    verify_command.add_argument("--json", action="store_true", help="print the report as JSON")
    verify_command.set_defaults(
        run=lambda settings, args: run_with_database(settings, lambda: verify(settings, args.json))
    )
    audit_commands.add_parser(
        "checkpoint",
        help="append every chain's head to the checkpoint file (CONSENTQL_AUDIT_CHECKPOINT_DIR); "
        "the audit_checkpoint job does it every 5 minutes",
    ).set_defaults(run=lambda settings, args: run_with_database(settings, lambda: take(settings)))
