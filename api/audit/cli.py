"""`consentql audit verify [--json]` and `consentql audit checkpoint` (P-SEC-5).

Exit status: 0 the ledger is whole, 1 something is broken and needs a person (each problem is
named with its chain and position), 2 the command could not run (configuration, database).
"""

import argparse
import json
import sys
from pathlib import Path

from api.settings import ConfigurationError, Settings
from models.audit_checkpoint import checkpoint_file
from models.audit_verify import Report, take_checkpoint, verify_ledger

COMMAND = "audit"
INTACT, BROKEN = 0, 1


def add_commands(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit ledger (P-SEC-5)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="check every chain, entry and the latest checkpoint: exit 0 intact, 1 broken, "
        "2 could not run",
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    audit_commands.add_parser(
        "checkpoint",
        help="append every chain's head to the checkpoint file (CONSENTQL_AUDIT_CHECKPOINT_DIR)",
    )


def checkpoint_location(settings: Settings) -> Path:
    location = settings.audit_checkpoints
    if location is None:
        raise ConfigurationError(
            "CONSENTQL_AUDIT_CHECKPOINT_DIR is not set: audit checkpoints must be kept outside "
            "the database, on append-only storage (docs/deploy.md)"
        )
    return checkpoint_file(location)


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
    return INTACT if report.intact else BROKEN


async def checkpoint(settings: Settings) -> int:
    path = checkpoint_location(settings)
    taken = await take_checkpoint(path)
    if taken.problems:
        print("no checkpoint taken; the ledger is broken:", file=sys.stderr)
        for problem in taken.problems:
            print(f"  {problem}", file=sys.stderr)
        return BROKEN
    print(f"checkpoint of {len(taken.heads)} chains appended to {path}")
    return INTACT


async def run_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.audit_command == "verify":
        return await verify(settings, args.json)
    return await checkpoint(settings)
