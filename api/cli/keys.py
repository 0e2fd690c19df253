"""`consentql keys status | lookup-key | audit-key | rotate`: master-key rotation (docs/deploy.md).

The steps: pin the look-up and audit keys (`keys lookup-key`, `keys audit-key` under the old
configuration: both are derived from the master key until pinned), configure the new
master key with the old one in CONSENTQL_PREVIOUS_MASTER_KEYS, run `keys rotate`, check `keys
status`, then drop the old key from configuration and destroy it.
"""

import argparse
import base64
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.table import Table

from api.cli.database import run_with_database
from api.cli.progress import progress_bar
from api.settings import Settings
from models import keyring
from models.key_rotation import (
    UnknownMasterKeys,
    master_key_ids_in_use,
    not_rewrapped,
    rewrap_data_keys,
)


async def status(console: Console) -> int:
    ring = keyring.active()
    table = Table(title="Live data keys by master key")
    for column in ("master key id", "configured as", "data keys"):
        table.add_column(column)
    in_use = await master_key_ids_in_use()
    for key_id in sorted({ring.key_id, *ring.retired, *in_use}):
        role = "active" if key_id == ring.key_id else "previous" if ring.holds(key_id) else "-"
        table.add_row(key_id, role, str(in_use.get(key_id, 0)))
    console.print(table)
    unknown = [key_id for key_id in in_use if not ring.holds(key_id)]
    if unknown:
        console.print(f"Not configured, their data keys cannot be opened: {', '.join(unknown)}")
    return 1 if unknown else 0


async def lookup_key(console: Console) -> int:
    console.print(base64.b64encode(keyring.active().lookup_key).decode(), highlight=False)
    return 0


async def audit_key(console: Console) -> int:
    console.print(base64.b64encode(keyring.active().audit.key).decode(), highlight=False)
    return 0


async def rotate(console: Console) -> int:
    total = await not_rewrapped().count()
    try:
        with progress_bar("re-wrapping data keys", console) as progress:
            task = progress.add_task("rotate", total=total)
            rotation = await rewrap_data_keys(lambda done: progress.advance(task, done))
    except UnknownMasterKeys as error:
        console.print(f"Nothing changed: {error}. Add them to CONSENTQL_PREVIOUS_MASTER_KEYS.")
        return 1
    console.print(
        f"{rotation.rewrapped} data keys re-wrapped under master key {keyring.active().key_id}; "
        f"{rotation.changed_meanwhile} changed meanwhile (erased, or re-wrapped by another run)."
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="the master key and its rotation").add_subparsers(
        dest="keys_command", required=True
    )
    for name, help_text, work in (
        ("status", "which master keys wrap the live data keys", status),
        (
            "lookup-key",
            "print the look-up key in use (a secret), to pin before a rotation",
            lookup_key,
        ),
        (
            "audit-key",
            "print the audit ledger's MAC key in use (a secret), to pin likewise",
            audit_key,
        ),
        ("rotate", "re-wrap every data key under the active master key", rotate),
    ):
        keys.add_parser(name, help=help_text).set_defaults(run=command(work))


def command(work: Callable[[Console], Awaitable[int]]) -> Callable[..., int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        return run_with_database(settings, lambda: work(Console()))

    return run
