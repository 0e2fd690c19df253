"""`consentql migrate` and `consentql seed --demo`, and the database every command works on."""

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from tortoise import Tortoise

from api.database import migrate, prepare_storage, tortoise_config
from api.policy.founding import ensure_founding_policy
from api.settings import Settings


async def with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    """Migrated, with the founding policy stored: every command starts from a usable database."""
    try:
        await migrate(settings)
        await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
        await ensure_founding_policy()
        return await work()
    finally:
        await Tortoise.close_connections()


def run_with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    """Checks configuration and installs the master key first: refuses to start on what is
    missing, before anything touches the database."""
    prepare_storage(settings)
    return asyncio.run(with_database(settings, work))


def database_command(
    work: Callable[[argparse.Namespace], Awaitable[int]],
) -> Callable[[Settings, argparse.Namespace], int]:
    """A command's `run`: `work(args)` on the migrated database."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        return run_with_database(settings, lambda: work(args))

    return run


async def done() -> int:
    return 0


async def seed_demo(settings: Settings) -> int:
    from api.cli.demo import seed

    admin_login = await seed(settings)
    if admin_login is None:
        print("The database already holds accounts: demo data not added.")
    else:
        print(f"Demo admin: login {admin_login[0]}  password {admin_login[1]}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("migrate", help="apply the schema migrations").set_defaults(
        run=lambda settings, args: run_with_database(settings, done)
    )
    seed = commands.add_parser("seed", help="fill an empty database")
    seed.add_argument("--demo", action="store_true", required=True)
    seed.set_defaults(
        run=lambda settings, args: run_with_database(settings, lambda: seed_demo(settings))
    )
