"""The `consentql` command line: one module per command group, each registering its
sub-commands with the function that runs them (`run(settings, args) -> exit code`)."""

import argparse
import sys

from api.cli import (
    admin,
    audit,
    clients,
    database,
    docs,
    documents,
    keys,
    privacy,
    schema,
    serve,
)
from api.errors import ApiError
from api.settings import ConfigurationError, Settings

GROUPS = (serve, database, admin, clients, documents, audit, schema, docs, privacy, keys)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="consentql", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        exit_code: int = args.run(Settings(), args)
    except ConfigurationError as error:
        print(f"consentql: {error}", file=sys.stderr)
        return 2
    except ApiError as error:
        print(f"consentql: {error.extensions.get('field', 'input')}: {error}", file=sys.stderr)
        return 2
    return exit_code
