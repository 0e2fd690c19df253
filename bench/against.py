"""The ledger's append and the bearer client's look-up, this checkout's against another's.

Loads `models/audit_chain.py` and `api/auth/clients.py` of `--baseline DIR` (a `git worktree` of
an earlier commit) beside this checkout's, in one process on one fresh database, and runs them
in alternating blocks (the order flipped every block): an append of `--batch` read entries as
`Ledger.record_reads` makes them, and the look-up of an API client's token with its viewer, as
every request of a client makes it. Prints the CPU time per call (the process's, so SQLite's
own thread counts; and the event loop thread's alone) of each; the ledger written by both must
verify.

    python -m bench.against --baseline ../base
    python -m bench.against --baseline ../base --database-url postgres://postgres@127.0.0.1/new_db
"""

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from tortoise import Tortoise

from api.actor import Actor
from api.audit.events import read_events
from api.auth import clients
from api.auth.tokens import CLIENT_PREFIX, digest
from api.database import migrate, prepare_storage, tortoise_config
from bench.seed import bench_settings
from models import audit_chain
from models.audit_verify import verify_ledger
from models.consent import Affiliate, ApiClient
from plugins.engine import LedgerEntry
from plugins.viewer import Viewer, ViewerKind

CATEGORIES = ["contact.phone", "identity.name", "contact.email", "org.company"]
# The two outcomes of bench.seed's consents: all four categories, or phone and name only.
SPLITS = (
    (("contact.phone", "identity.name"), ("contact.email", "org.company"), ()),
    ((), tuple(sorted(CATEGORIES)), ()),
)


def load(root: Path, relative: str) -> ModuleType:
    name = "baseline_" + relative.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, root / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_entries(size: int) -> list[LedgerEntry]:
    return [
        LedgerEntry(f"account:{n}", *SPLITS[n % 4 == 0], f"consent:{n}" if n % 4 else "none")
        for n in range(size)
    ]


def appending(
    chain: ModuleType, viewer: Viewer, entries: list[LedgerEntry], prefix: str
) -> Callable[[int], Awaitable[None]]:
    async def append(n: int) -> None:
        actor = Actor(viewer=viewer, request_id=f"{prefix}-{n}")
        await chain.append_entries(read_events(actor, entries))

    return append


def looking_up(auth: ModuleType, token: str) -> Callable[[int], Awaitable[Viewer]]:
    async def viewer(_: int) -> Viewer:
        return auth.client_viewer(await auth.client_of_token(token), False)

    return viewer


async def timed(calls: int, call: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    """CPU ms per call: the process's and this thread's."""
    process, thread = time.process_time(), time.thread_time()
    for n in range(calls):
        await call(n)
    return (
        (time.process_time() - process) / calls * 1e3,
        (time.thread_time() - thread) / calls * 1e3,
    )


async def run(args: argparse.Namespace) -> dict[str, dict[str, list[tuple[float, float]]]]:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-against-"))
    url = args.database_url or f"sqlite://{data_dir}/db.sqlite3"
    settings = bench_settings(url, data_dir)
    prepare_storage(settings)
    if url.startswith("postgres"):
        await Tortoise.init(config=tortoise_config(url), _create_db=True)
        await Tortoise.close_connections()
    await migrate(settings)
    await Tortoise.close_connections()
    old_chain = load(args.baseline, "models/audit_chain.py")
    old_chain.use_chains(settings.audit_chains)
    old_clients = load(args.baseline, "api/auth/clients.py")
    await Tortoise.init(config=tortoise_config(url))
    try:
        affiliate = await Affiliate.create(
            name="bench", kind="AFFILIATE", region="CN", purposes=["marketing"]
        )
        token = CLIENT_PREFIX + "bench"
        await ApiClient.create(
            affiliate=affiliate,
            name="bench",
            purpose="marketing",
            categories=CATEGORIES,
            token_hash=digest(token),
        )
        viewer = Viewer(kind=ViewerKind.API_CLIENT, client=await clients.client_of_token(token))
        entries = read_entries(args.batch)
        codes = {"baseline": (old_chain, old_clients), "this": (audit_chain, clients)}
        results: dict[str, dict[str, list[tuple[float, float]]]] = {
            part: {code: [] for code in codes} for part in ("append", "client look-up")
        }
        for block in range(args.blocks):
            for code in sorted(codes, reverse=block % 2 == 1):
                chain, auth = codes[code]
                append = appending(chain, viewer, entries, f"{code}-{block}")
                results["append"][code].append(await timed(args.appends, append))
                lookup = looking_up(auth, token)
                results["client look-up"][code].append(await timed(args.lookups, lookup))
        problems = (await verify_ledger(None)).problems
        if problems:
            raise SystemExit(f"the ledger does not verify: {problems[:3]}")
        return results
    finally:
        await Tortoise.close_connections()


def report(results: dict[str, dict[str, list[tuple[float, float]]]]) -> None:
    for part, codes in results.items():
        for code, blocks in codes.items():
            process = [p for p, _ in blocks]
            thread = [t for _, t in blocks]
            print(
                f"{part:15} {code:9} CPU ms per call: process median "
                f"{statistics.median(process):.3f} (blocks {min(process):.3f}-"
                f"{max(process):.3f}), event loop thread {statistics.median(thread):.3f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.against", description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout")
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database")
    parser.add_argument("--batch", type=int, default=100, help="read entries per append")
    parser.add_argument("--blocks", type=int, default=16, help="blocks per code, alternated")
    parser.add_argument("--appends", type=int, default=50, help="appends per block")
    parser.add_argument("--lookups", type=int, default=200, help="client look-ups per block")
    args = parser.parse_args(argv)
    report(asyncio.run(run(args)))


if __name__ == "__main__":
    main(sys.argv[1:])
