"""`consentql export-schema`: the GraphQL schema as SDL, exported from code."""

import argparse
from pathlib import Path

from api.settings import Settings

SCHEMA_FILE = Path("schema.graphql")


def export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from strawberry.printer import print_schema

    from api.graphql.schema import build_schema

    Path(args.output).write_text(print_schema(build_schema(settings)) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default=str(SCHEMA_FILE))
    export.set_defaults(run=export_schema)
