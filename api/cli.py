"""The `consentql` command line."""

import argparse
import asyncio
import getpass
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tortoise import Tortoise
from tortoise.exceptions import BaseORMException

from api.audit.cli import COMMAND as AUDIT_COMMAND
from api.audit.cli import add_commands as add_audit_commands
from api.audit.cli import run_command as run_audit_command
from api.database import migrate, prepare_storage, tortoise_config
from api.errors import ApiError
from api.key_commands import COMMAND as KEYS_COMMAND
from api.key_commands import add_commands as add_key_commands
from api.key_commands import run_command as run_key_command
from api.metrics import MULTIPROCESS_DIR
from api.privacy.commands import COMMANDS as PRIVACY_COMMANDS
from api.privacy.commands import add_commands as add_privacy_commands
from api.privacy.commands import run_command as run_privacy_command
from api.privacy.founding_policy import ensure_founding_policy
from api.settings import ConfigurationError, Settings

SCHEMA_FILE = Path("schema.graphql")


async def with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    """Migrated, with the founding policy stored: every command starts from a usable database."""
    try:
        await migrate(settings)
        await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
        await ensure_founding_policy()
        return await work()
    finally:
        await Tortoise.close_connections()


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.logging import configure_logging, log_config

    configure_logging(settings.log_level)
    # Once here, before the workers start, not in each worker.
    asyncio.run(with_database(settings, lambda: seed_demo(settings) if args.demo else done()))
    with metrics_shared_by(args.workers):
        uvicorn.run(
            "api.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            # Each worker applies it: JSON lines with the request id, redacted (api/logging.py).
            log_config=log_config(settings.log_level),
            log_level=settings.log_level.lower(),
        )
    return 0


@contextmanager
def metrics_shared_by(workers: int) -> Iterator[None]:
    """With several workers, an empty directory of their own where each writes its metrics, so
    that a scrape reaching any of them reports the totals (api/metrics.py). It is in the
    environment before uvicorn spawns the workers, which read it when they import
    prometheus_client, and removed when the server stops. A directory the operator already set
    is used as it is: it may be shared with processes this server does not know of."""
    if workers <= 1 or MULTIPROCESS_DIR in os.environ:
        yield
        return
    # A fresh temporary directory, not one under the data dir: two servers on one data dir would
    # wipe each other's files, and counters restart from zero with each server anyway.
    with tempfile.TemporaryDirectory(prefix="consentql-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR] = directory
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]


async def done() -> int:
    return 0


async def seed_demo(settings: Settings) -> int:
    from api.demo import seed

    admin_login = await seed(settings)
    if admin_login is None:
        print("The database already holds accounts: demo data not added.")
    else:
        print(f"Demo admin: login {admin_login[0]}  password {admin_login[1]}")
    return 0


async def create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from api.admins import create_admin as create

    password = os.environ.get("CONSENTQL_PASSWORD") or getpass.getpass("Password: ")
    account_id = await create(settings, args.phone, args.email, args.name, args.company, password)
    print(f"Admin account {account_id} created.")
    return 0


def export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from strawberry.printer import print_schema

    from api.graphql.schema import build_schema

    Path(args.output).write_text(print_schema(build_schema(settings)) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="consentql", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="run the API with uvicorn (migrates first)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--demo", action="store_true", help="fill an empty database with demo data")

    commands.add_parser("migrate", help="apply the schema migrations")

    seed = commands.add_parser("seed", help="fill an empty database")
    seed.add_argument("--demo", action="store_true", required=True)

    admin = commands.add_parser("admin", help="manage admins")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser(
        "create", help="create an admin; the password comes from CONSENTQL_PASSWORD or a prompt"
    )
    for option in ("--phone", "--email", "--name", "--company"):
        create.add_argument(option, required=True)

    add_audit_commands(commands)
    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default=str(SCHEMA_FILE))
    add_privacy_commands(commands)
    add_key_commands(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    try:
        if args.command == "export-schema":
            return export_schema(settings, args)
        prepare_storage(settings)
        if args.command == "serve":
            return serve(settings, args)
        if args.command == "migrate":
            return asyncio.run(with_database(settings, done))
        if args.command == "seed":
            return asyncio.run(with_database(settings, lambda: seed_demo(settings)))
        if args.command == "admin":
            return asyncio.run(with_database(settings, lambda: create_admin(settings, args)))
        if args.command == AUDIT_COMMAND:
            try:
                return asyncio.run(
                    with_database(settings, lambda: run_audit_command(settings, args))
                )
            except (OSError, BaseORMException) as error:
                # `audit verify` says 1 only of a broken ledger; one it cannot read is 2.
                print(f"consentql: the audit ledger could not be read: {error}", file=sys.stderr)
                return 2
        if args.command in PRIVACY_COMMANDS:
            return asyncio.run(with_database(settings, lambda: run_privacy_command(args)))
        if args.command == KEYS_COMMAND:
            return asyncio.run(with_database(settings, lambda: run_key_command(args)))
    except ConfigurationError as error:
        print(f"consentql: {error}", file=sys.stderr)
        return 2
    except ApiError as error:
        print(f"consentql: {error.extensions.get('field', 'input')}: {error}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
