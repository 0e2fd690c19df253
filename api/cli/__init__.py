"""The `consentql` command line: one module per command group, each registering its
sub-commands with the function that runs them (`run(settings, args) -> exit code`)."""

import argparse
import sys
import traceback
from importlib.metadata import version

from api.cli import (
    admin,
    audit,
    calendar,
    clients,
    database,
    docs,
    documents,
    jobs,
    keys,
    privacy,
    schema,
    serve,
)
from api.cli.exit_codes import ERROR
from api.cli.help import Parser, settings_epilog
from api.errors import ApiError, database_unavailable
from api.settings import ConfigurationError, Settings

GROUPS = (
    serve,
    jobs,
    database,
    admin,
    clients,
    documents,
    audit,
    schema,
    docs,
    privacy,
    calendar,
    keys,
)


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="consentql", description=__doc__, epilog=settings_epilog())
    root.add_argument("--version", action="version", version=f"%(prog)s {version('consentql')}")
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
        return ERROR
    except ApiError as error:
        print(f"consentql: {error.extensions.get('field', 'input')}: {error}", file=sys.stderr)
        return ERROR
    except Exception as error:
        # Whatever else stops a command is an error (2), never "needs a person" (1), which is
        # also Python's own status for an uncaught exception.
        if database_unavailable(error):
            print(f"consentql: the database cannot be reached: {error}", file=sys.stderr)
        else:
            traceback.print_exc()
        return ERROR
    return exit_code
