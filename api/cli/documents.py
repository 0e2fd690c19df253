"""`consentql documents add <folder>`: the trusted documents of CONSENTQL_TRUSTED_DOCUMENTS_ONLY."""

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from api.cli.database import database_command
from api.errors import invalid
from api.settings import Settings


def read_documents(folder: Path) -> dict[str, str]:
    """Every .graphql file under `folder`, one document each, its text exactly as clients send
    it: the hash is of these bytes."""
    if not folder.is_dir():
        raise invalid("folder", f"{folder} is not a folder")
    files = sorted(folder.rglob("*.graphql"))
    if not files:
        raise invalid("folder", f"no .graphql file under {folder}")
    return {str(path.relative_to(folder)): path.read_text(encoding="utf-8") for path in files}


def register(commands: argparse._SubParsersAction) -> None:
    documents = commands.add_parser(
        "documents", help="trusted documents (CONSENTQL_TRUSTED_DOCUMENTS_ONLY)"
    ).add_subparsers(dest="documents_command", required=True)
    add = documents.add_parser(
        "add", help="store every .graphql file of a folder as a trusted document"
    )
    add.add_argument("folder", type=Path)
    add.add_argument("--json", action="store_true", help="print JSON")

    async def work(args: argparse.Namespace) -> int:
        from api.documents.service import add_documents
        from api.graphql.schema import build_schema

        schema = build_schema(Settings())._schema
        added = await add_documents(schema, read_documents(args.folder))
        if args.json:
            print(json.dumps([{"file": a.source, "sha256": a.sha256, "new": a.new} for a in added]))
            return 0
        table = Table(title=f"Trusted documents from {args.folder}")
        for column in ("file", "sha256", "stored"):
            table.add_column(column)
        for item in added:
            table.add_row(item.source, item.sha256, "new" if item.new else "already")
        Console().print(table)
        return 0

    add.set_defaults(run=database_command(work))
