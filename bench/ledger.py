"""The audit ledger alone: appends from one process against appends from four, on PostgreSQL.

Every worker process opens the database as a server worker does and appends batches of
`--batch` read entries (an API client's 100-row list by default), one append at a time, as one
process's group-commit writer does. Phases of `--seconds` alternate between one process and
`--processes` processes (the order flipped every round), in one run on one database, so both see
the same table sizes and the same machine. Prints appends/s and entries/s per phase and the
ratio of the medians, and how often the workers' database backends were waiting for a lock
(sampled from pg_stat_activity); writes JSON and a PNG chart to bench/results/.

    python -m bench.ledger                                   # a fresh database, dropped after
    python -m bench.ledger --batch 10 --rounds 5 --seconds 4
    python -m bench.ledger --database-url postgres://postgres@127.0.0.1/bench_ledger --keep

With one chain head for the whole fleet the processes would queue behind each other's row lock;
with several chains each append takes one no one else holds, so the rate should grow with the
processes until the machine's cores (or the database) are the limit.
"""

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from tortoise import Tortoise, connections

from api.database import migrate, prepare_storage, tortoise_config
from api.settings import Settings
from bench.enforcement import drop_database
from bench.report import bar_chart, stem, write_json
from bench.seed import bench_settings
from models.audit_chain import append_entries

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
STOP = "stop"
SAMPLE_SECONDS = 0.05


def batch_of(size: int, worker: int) -> list[dict[str, Any]]:
    """What a client's list of `size` people records: one read entry per person."""
    return [
        {
            "request_id": f"bench-{worker:02d}-{n:08d}",
            "viewer_kind": "API_CLIENT",
            "viewer_ref": "client:1",
            "subject_ref": f"account:{n}",
            "action": "READ",
            "categories_clear": ["contact.phone", "identity.name"],
            "categories_masked": ["contact.email", "org.company"],
            "categories_blocked": [],
            "basis": f"consent:{n}",
        }
        for n in range(size)
    ]


async def appending(settings: Settings, commands: Connection, worker: int) -> None:
    prepare_storage(settings)
    await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
    try:
        while True:
            command = await asyncio.to_thread(commands.recv)
            if command == STOP:
                return
            seconds, size = command
            entries = batch_of(size, worker)
            appends = 0
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                await append_entries(entries)
                appends += 1
            commands.send(appends)
    finally:
        await Tortoise.close_connections()


def worker_main(settings: Settings, commands: Connection, worker: int) -> None:
    asyncio.run(appending(settings, commands, worker))


@dataclass
class Phase:
    appends_per_second: float
    # Of the samples of the workers' backends inside a transaction, the share waiting for a
    # lock: what one chain head for everyone costs, whatever the machine's speed.
    lock_waits: float


async def sample_waits(url: str, stop: threading.Event) -> tuple[int, int]:
    """(backends waiting for a lock, backends in a transaction), summed over samples."""
    database = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(url)
    waiting = busy = 0
    try:
        while not stop.is_set():
            rows = await connection.fetch(
                "SELECT wait_event_type FROM pg_stat_activity WHERE datname = $1 "
                "AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()",
                database,
            )
            busy += len(rows)
            waiting += sum(row["wait_event_type"] == "Lock" for row in rows)
            await asyncio.sleep(SAMPLE_SECONDS)
    finally:
        await connection.close()
    return waiting, busy


def phase(pipes: list[Connection], processes: int, seconds: float, batch: int, url: str) -> Phase:
    """Appends/s of `processes` workers appending at once for `seconds`, and their lock waits."""
    stop = threading.Event()
    sampled: list[tuple[int, int]] = []
    sampler = threading.Thread(target=lambda: sampled.append(asyncio.run(sample_waits(url, stop))))
    sampler.start()
    for pipe in pipes[:processes]:
        pipe.send((seconds, batch))
    appends = sum(pipe.recv() for pipe in pipes[:processes])
    stop.set()
    sampler.join()
    [(waiting, busy)] = sampled
    return Phase(appends / seconds, waiting / busy if busy else 0.0)


async def database_ready(settings: Settings, create: bool) -> None:
    prepare_storage(settings)
    if create:
        await Tortoise.init(config=tortoise_config(settings.resolved_database_url), _create_db=True)
        await Tortoise.close_connections()
    await migrate(settings)
    await Tortoise.close_connections()


async def chain_use(settings: Settings) -> dict[int, int]:
    """Links per chain: which chains the appends took."""
    await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
    try:
        rows = await connections.get("default").execute_query_dict(
            "SELECT chain_id, COUNT(*) AS links FROM audit_link GROUP BY chain_id ORDER BY chain_id"
        )
        return {row["chain_id"]: row["links"] for row in rows}
    finally:
        await Tortoise.close_connections()


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url or f"{DEFAULT_SERVER}/consentql_bench_ledger_{uuid.uuid4().hex[:8]}"
    if not url.startswith("postgres"):
        raise SystemExit("bench.ledger measures PostgreSQL: give a postgres:// URL")
    settings = bench_settings(url, Path(tempfile.mkdtemp(prefix="consentql-ledger-")))
    asyncio.run(database_ready(settings, create=not args.database_url))
    spawn = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for worker in range(args.processes):
        here, there = spawn.Pipe()
        process = spawn.Process(target=worker_main, args=(settings, there, worker))
        process.start()
        pipes.append(here)
        workers.append(process)
    rates: dict[int, list[float]] = {1: [], args.processes: []}
    waits: dict[int, list[float]] = {1: [], args.processes: []}
    try:
        phase(pipes, args.processes, 1.0, args.batch, url)  # warm-up: connections, caches
        for round_ in range(args.rounds):
            order = (1, args.processes) if round_ % 2 == 0 else (args.processes, 1)
            for processes in order:
                measured = phase(pipes, processes, args.seconds, args.batch, url)
                rates[processes].append(measured.appends_per_second)
                waits[processes].append(measured.lock_waits)
                print(
                    f"round {round_ + 1}: {processes} process(es): "
                    f"{measured.appends_per_second:8.1f} appends/s, "
                    f"{measured.appends_per_second * args.batch:10.0f} entries/s, "
                    f"{measured.lock_waits:5.0%} of backends in a transaction waiting for a lock",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        for pipe in pipes:
            pipe.send(STOP)
        for process in workers:
            process.join(timeout=30)
    chains = asyncio.run(chain_use(settings))
    if not args.database_url and not args.keep:
        asyncio.run(drop_database(settings))
    one, many = statistics.median(rates[1]), statistics.median(rates[args.processes])
    return {
        "benchmark": "ledger",
        "backend": "postgres",
        "batch": args.batch,
        "seconds_per_phase": args.seconds,
        "rounds": args.rounds,
        "processes": args.processes,
        "appends_per_second": {str(n): [round(r, 1) for r in found] for n, found in rates.items()},
        "median_appends_per_second": {"1": round(one, 1), str(args.processes): round(many, 1)},
        "median_entries_per_second": {
            "1": round(one * args.batch),
            str(args.processes): round(many * args.batch),
        },
        "ratio": round(many / one, 2),
        "lock_waits": {str(n): [round(w, 3) for w in found] for n, found in waits.items()},
        "links_per_chain": chains,
    }


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: a fresh one)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="entries per append")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of a phase")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    payload = run(args)
    n = str(args.processes)
    print(
        f"\nbatches of {args.batch} entries, median of {args.rounds} phases of {args.seconds} s\n"
        f"1 process:   {payload['median_appends_per_second']['1']:8.1f} appends/s "
        f"{payload['median_entries_per_second']['1']:10d} entries/s\n"
        f"{n} processes: {payload['median_appends_per_second'][n]:8.1f} appends/s "
        f"{payload['median_entries_per_second'][n]:10d} entries/s\n"
        f"ratio {payload['ratio']:.2f} (links per chain: {payload['links_per_chain']})\n"
        f"backends in a transaction waiting for a lock, {n} processes: "
        f"{', '.join(f'{w:.0%}' for w in payload['lock_waits'][n])}"
    )
    path = stem(f"ledger-postgres-batch{args.batch}")
    print(f"wrote {write_json(path, payload)}")
    rounds = [f"round {r + 1}" for r in range(args.rounds)]
    chart = bar_chart(
        path,
        f"ledger appends on PostgreSQL, batches of {args.batch} entries",
        rounds,
        {
            "1 process": payload["appends_per_second"]["1"],
            f"{n} processes": payload["appends_per_second"][n],
        },
        "appends/s",
        [
            f"{many / one:.2f}x"
            for one, many in zip(
                payload["appends_per_second"]["1"], payload["appends_per_second"][n], strict=True
            )
        ],
    )
    if chart:
        print(f"wrote {chart}")


if __name__ == "__main__":
    main()
