"""`consentql requests overdue`, `consentql retention run`, `consentql erasures replay`."""

import argparse

from rich.console import Console
from rich.table import Table

from api.cli.database import database_command
from api.cli.progress import progress_bar
from api.privacy import retention
from api.privacy.erasure import replay_erasures
from api.privacy.requests import overdue_requests, today
from models.clock import utcnow


async def requests_overdue(console: Console) -> int:
    rows = await overdue_requests().order_by("due_on", "id")
    table = Table(title=f"Overdue privacy requests ({len(rows)})")
    for column in ("id", "kind", "status", "account", "due on", "days late"):
        table.add_column(column)
    for row in rows:
        late = (today() - row.due_on).days
        table.add_row(
            str(row.id), row.kind, row.status, str(row.account_id), str(row.due_on), str(late)
        )
    console.print(table)
    return 0


async def retention_run(console: Console, dry_run: bool) -> int:
    now = utcnow()
    plan = await retention.make_plan(now)
    if dry_run:
        summary = await retention.preview(now, plan)
    else:
        with progress_bar("retention", console) as progress:
            task = progress.add_task("retention", total=plan.steps)
            summary = await retention.execute(now, plan, lambda: progress.advance(task))
    verb = "due" if dry_run else "done"
    table = Table(title=f"Retention {'dry run' if dry_run else 'run'}: {summary.people} people")
    for column in ("data", "kept (days)", "action", verb):
        table.add_column(column)
    table.add_row(
        retention.ERASURES, "-", "erase cancelled accounts", str(summary.counts[retention.ERASURES])
    )
    for rule in retention.RULES:
        table.add_row(
            rule.name, str(rule.retention_days), rule.action, str(summary.counts[rule.name])
        )
    console.print(table)
    return 0


async def erasures_replay(console: Console) -> int:
    tombstones, erased = await replay_erasures()
    console.print(f"{tombstones} erasure tombstones read; {erased} accounts erased again.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    requests = commands.add_parser("requests", help="privacy requests")
    requests.add_subparsers(dest="requests_command", required=True).add_parser(
        "overdue", help="list open requests past their due date"
    ).set_defaults(run=database_command(lambda args: requests_overdue(Console())))
    run = (
        commands.add_parser("retention", help="retention and anonymization (P-RETAIN-3)")
        .add_subparsers(dest="retention_command", required=True)
        .add_parser("run", help="anonymize or delete what has expired, finalize due erasures")
    )
    run.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    run.set_defaults(run=database_command(lambda args: retention_run(Console(), args.dry_run)))
    commands.add_parser("erasures", help="erasure tombstones").add_subparsers(
        dest="erasures_command", required=True
    ).add_parser(
        "replay", help="erase again what a restored backup brought back (P-DELETE-2)"
    ).set_defaults(run=database_command(lambda args: erasures_replay(Console())))
