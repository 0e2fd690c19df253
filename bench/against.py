"""The ledger's append and the bearer client's look-up, this checkout's against another's.

Loads `models/audit_chain.py` and `api/auth/clients.py` of `--baseline DIR` (a `git worktree` of
an earlier commit) beside this checkout's, in one process on one freshly seeded database
(bench.seed), and runs both in alternating blocks (the order flipped every block): bench.peer's
request (an API client's 100-row list, enforcement on) through the app with one or the other
pair of modules in place; an append of `--batch` read entries as `Ledger.record_reads` makes
them; and the look-up of the client's token with its viewer. Prints the CPU time per call (the
process's, so SQLite's own thread counts; and the event loop thread's alone) of each; the ledger
written by both must verify.

    python -m bench.against --baseline ../base
    python -m bench.against --baseline ../base --database-url postgres://postgres@127.0.0.1/new_db
"""

import argparse
import asyncio
import gc
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from tortoise import Tortoise

from api.actor import Actor
from api.audit import ledger
from api.audit.events import read_contents
from api.auth import clients, identify
from api.http.app import create_app
from bench.enforcement import drop_database
from bench.peer import QUERY
from bench.queries import ViewerRole, viewer_tokens
from bench.seed import DEFAULT_PEOPLE, bench_settings, open_database, seed
from models import audit_chain
from models.audit_verify import verify_ledger
from plugins.engine import LedgerEntry
from plugins.viewer import Viewer, ViewerKind

PAGE = 100
# The two outcomes of bench.seed's consents: all four categories, or phone and name only.
SPLITS = (
    (("contact.phone", "identity.name"), ("contact.email", "org.company"), ()),
    ((), ("contact.email", "contact.phone", "identity.name", "org.company"), ()),
)
PARTS = ("request", "append", "client look-up")
Results = dict[str, dict[str, list[tuple[float, float]]]]


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


def use(auth: ModuleType, chain: ModuleType) -> None:
    """Put one checkout's look-up and append where the app calls them."""
    identify.client_of_token = auth.client_of_token
    identify.client_viewer = auth.client_viewer
    ledger.append_contents = appender(chain)


def appender(chain: ModuleType) -> Callable[[list[Any]], Awaitable[None]]:
    """The checkout's append of the ledger's batch; a checkout from before `append_contents`
    took each entry as a dict, and made those dicts itself, so it makes them here."""
    if hasattr(chain, "append_contents"):
        return chain.append_contents

    async def append(contents: list[Any]) -> None:
        fields = chain.CONTENT_FIELDS
        await chain.append_entries([dict(zip(fields, c, strict=True)) for c in contents])

    return append


def requesting(http: httpx.AsyncClient, token: str) -> Callable[[int], Awaitable[None]]:
    async def request(_: int) -> None:
        response = await http.post(
            "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
        )
        edges = ((response.json().get("data") or {}).get("accounts") or {}).get("edges") or []
        if len(edges) != PAGE:
            raise SystemExit(f"the list answered {len(edges)} rows: {response.text[:300]}")

    return request


def appending(
    chain: ModuleType, viewer: Viewer, entries: list[LedgerEntry], prefix: str
) -> Callable[[int], Awaitable[None]]:
    async def append(n: int) -> None:
        actor = Actor(viewer=viewer, request_id=f"{prefix}-{n}")
        await appender(chain)(read_contents(actor, entries))

    return append


def looking_up(auth: ModuleType, token: str) -> Callable[[int], Awaitable[Viewer]]:
    async def viewer(_: int) -> Viewer:
        return auth.client_viewer(await auth.client_of_token(token), False)

    return viewer


async def timed(calls: int, call: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    """CPU ms per call: the process's and this thread's."""
    await call(-1)
    gc.collect()
    process, thread = time.process_time(), time.thread_time()
    for n in range(calls):
        await call(n)
    return (
        (time.process_time() - process) / calls * 1e3,
        (time.thread_time() - thread) / calls * 1e3,
    )


async def run(args: argparse.Namespace) -> Results:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-against-"))
    settings = bench_settings(args.database_url, data_dir)
    await open_database(settings, create=True)
    codes = {
        "baseline": (
            load(args.baseline, "api/auth/clients.py"),
            load(args.baseline, "models/audit_chain.py"),
        ),
        "this": (clients, audit_chain),
    }
    codes["baseline"][1].use_chains(settings.audit_chains)
    try:
        await seed(args.people)
        token = (await viewer_tokens())[ViewerRole.CLIENT]
        viewer = Viewer(kind=ViewerKind.API_CLIENT, client=await clients.client_of_token(token))
        entries = read_entries(args.batch)
        results: Results = {part: {code: [] for code in codes} for part in PARTS}
        app = create_app(settings, manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            request = requesting(http, token)
            for block in range(args.blocks):
                for code in sorted(codes, reverse=block % 2 == 1):
                    auth, chain = codes[code]
                    use(auth, chain)
                    append = appending(chain, viewer, entries, f"{code}-{block}")
                    for part, calls, call in (
                        ("request", args.requests, request),
                        ("append", args.appends, append),
                        ("client look-up", args.lookups, looking_up(auth, token)),
                    ):
                        results[part][code].append(await timed(calls, call))
            use(clients, audit_chain)
        problems = (await verify_ledger(None)).problems
        if problems:
            raise SystemExit(f"the ledger does not verify: {problems[:3]}")
        return results
    finally:
        await Tortoise.close_connections()
        if args.database_url:
            await drop_database(settings)


def report(results: Results) -> None:
    for part, codes in results.items():
        for code, blocks in codes.items():
            process = [p for p, _ in blocks]
            thread = [t for _, t in blocks]
            print(
                f"{part:15} {code:9} CPU ms per call: process median "
                f"{statistics.median(process):.3f} (blocks {min(process):.3f}-"
                f"{max(process):.3f}), event loop thread {statistics.median(thread):.3f}"
            )
        pairs = [b[0] - t[0] for b, t in zip(codes["baseline"], codes["this"], strict=True)]
        print(
            f"{part:15} baseline - this, per pair of blocks: median "
            f"{statistics.median(pairs):.3f} ms, this cheaper in {sum(p > 0 for p in pairs)}"
            f"/{len(pairs)}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.against", description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout")
    parser.add_argument(
        "--database-url", default="", help="a new PostgreSQL database, dropped after"
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--batch", type=int, default=PAGE, help="read entries per append")
    parser.add_argument("--blocks", type=int, default=16, help="blocks per code, alternated")
    parser.add_argument("--requests", type=int, default=20, help="list requests per block")
    parser.add_argument("--appends", type=int, default=30, help="appends per block")
    parser.add_argument("--lookups", type=int, default=200, help="client look-ups per block")
    args = parser.parse_args(argv)
    report(asyncio.run(run(args)))


if __name__ == "__main__":
    main(sys.argv[1:])
