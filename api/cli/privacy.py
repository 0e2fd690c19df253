"""`consentql requests overdue`, `consentql retention run`, `consentql erasures replay`.

Each exits 0 when all is well, 1 when a person must look (requests past their due date, items
skipped after an error, erased people a restored backup had brought back), 2 when it could not
run; `--json` prints what it found as one JSON document instead of a table.
"""

import argparse
import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from api.cli.database import database_command
from api.cli.exit_codes import NEEDS_A_PERSON, OK
from api.cli.progress import progress_bar
from api.privacy import retention
from api.privacy.erasure import replay_erasures
from api.privacy.requests import overdue_requests, today
from models.clock import utcnow


def print_json(console: Console, found: object) -> None:
    # Written as it is: rich would wrap long lines at the console's width.
    console.file.write(json.dumps(found, ensure_ascii=False) + "\n")


async def requests_overdue(console: Console, as_json: bool = False) -> int:
    rows = await overdue_requests().order_by("due_on", "id")
    found = [
        {
            "id": row.id,
            "kind": str(row.kind),
            "status": str(row.status),
            "account": row.account_id,
            "due_on": row.due_on.isoformat(),
            "days_late": (today() - row.due_on).days,
        }
        for row in rows
    ]
    if as_json:
        print_json(console, found)
    else:
        table = Table(title=f"Overdue privacy requests ({len(found)})")
        for column in ("id", "kind", "status", "account", "due on", "days late"):
            table.add_column(column)
        for item in found:
            table.add_row(*(str(value) for value in item.values()))
        console.print(table)
    return NEEDS_A_PERSON if found else OK


async def retention_run(console: Console, dry_run: bool, as_json: bool = False) -> int:
    now = utcnow()
    plan = await retention.make_plan(now)
    if dry_run:
        summary = await retention.preview(now, plan)
    else:
        with progress_bar("retention", console, hidden=as_json) as progress:
            task = progress.add_task("retention", total=plan.steps)
            summary = await retention.execute(now, plan, lambda: progress.advance(task))
    if as_json:
        # Not asdict(): it rebuilds a Counter from (key, value) pairs, counting the pairs.
        print_json(
            console,
            {
                "dry_run": summary.dry_run,
                "people": summary.people,
                "counts": dict(summary.counts),
                "failed": summary.failed,
            },
        )
    else:
        verb = "due" if dry_run else "done"
        title = f"Retention {'dry run' if dry_run else 'run'}: {summary.people} people"
        table = Table(title=title)
        for column in ("data", "kept (days)", "action", verb):
            table.add_column(column)
        table.add_row(
            retention.ERASURES,
            "-",
            "erase cancelled accounts",
            str(summary.counts[retention.ERASURES]),
        )
        for rule in retention.rules():
            table.add_row(
                rule.name, str(rule.retention_days), rule.action, str(summary.counts[rule.name])
            )
        table.add_row(
            retention.PHONE_CODES, "10 min", "delete", str(summary.counts[retention.PHONE_CODES])
        )
        console.print(table)
        if summary.failed:
            console.print(f"Skipped after an error (see the log): {', '.join(summary.failed)}")
    return NEEDS_A_PERSON if summary.failed else OK


async def erasures_replay(console: Console, as_json: bool = False) -> int:
    replay = await replay_erasures()
    if as_json:
        print_json(console, asdict(replay))
    else:
        console.print(
            f"{replay.tombstones} erasure tombstones read; "
            f"{len(replay.erased_again)} accounts erased again."
        )
        if replay.erased_again:
            console.print(
                "A restored backup had brought back erased people: their data was readable "
                "until now. Check when the backup was restored and what was served since."
            )
        if replay.failed:
            console.print(f"Skipped after an error (see the log): {', '.join(replay.failed)}")
    return NEEDS_A_PERSON if replay.erased_again or replay.failed else OK


def register(commands: argparse._SubParsersAction) -> None:
    overdue = (
        commands.add_parser("requests", help="privacy requests")
        .add_subparsers(dest="requests_command", required=True)
        .add_parser(
            "overdue", help="list open requests past their due date; exit 1 if there are any"
        )
    )
    overdue.set_defaults(run=database_command(lambda args: requests_overdue(Console(), args.json)))
    run = (
        commands.add_parser("retention", help="retention and anonymization (P-RETAIN-3)")
        .add_subparsers(dest="retention_command", required=True)
        .add_parser(
            "run",
            help="anonymize or delete what has expired, finalize due erasures; exit 1 if an "
            "item was skipped after an error",
        )
    )
    run.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    run.set_defaults(
        run=database_command(lambda args: retention_run(Console(), args.dry_run, args.json))
    )
    replay = (
        commands.add_parser("erasures", help="erasure tombstones")
        .add_subparsers(dest="erasures_command", required=True)
        .add_parser(
            "replay",
            help="erase again what a restored backup brought back (P-DELETE-2); exit 1 if it "
            "had brought back anyone",
        )
    )
    replay.set_defaults(run=database_command(lambda args: erasures_replay(Console(), args.json)))
    for command in (overdue, run, replay):
        command.add_argument("--json", action="store_true", help="print JSON, not a table")
