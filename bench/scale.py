"""Scale: the representative queries on a small and a large database, alternated request by
request in one process, with enforcement on.

Two benchmark runs, one per database, drift apart on a shared machine by as much as the scale
could cost (`me`, which reads no list, came out 1.17x slower at 1M than at 10k in separate
runs). Here each database gets its own Tortoise context and both are driven through one app,
the context switched around each request, so both see the same machine at the same moment.
Prints the median ms per query on each and the large/small ratio (the target: within 1.2x).

Both databases are seeded beforehand with the same master key, which wraps their data keys:

    export CONSENTQL_MASTER_KEY=$(python -c "import base64, secrets; \\
        print(base64.b64encode(secrets.token_bytes(32)).decode())")
    python -m bench.seed --people 10000 --database-url postgres://postgres@127.0.0.1/bench_10k
    python -m bench.seed --people 1000000 --database-url postgres://postgres@127.0.0.1/bench_1m
    python -m bench.scale --small postgres://postgres@127.0.0.1/bench_10k \\
        --large postgres://postgres@127.0.0.1/bench_1m
"""

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tortoise.context import TortoiseContext

from api.database import tortoise_config
from bench.enforcement import Case, app_client, cases, check, send
from bench.queries import ViewerRole, viewer_tokens
from bench.report import median_ms, stem, write_json
from bench.seed import bench_settings
from models.accounts import Account

SIZES = ("small", "large")
TARGET_RATIO = 1.2


class Database:
    """One seeded database: its ORM context, the bench viewers' tokens and its cases."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.context = TortoiseContext()
        self.tokens: dict[ViewerRole, str] = {}
        self.cases: list[Case] = []
        self.people = 0

    async def open(self) -> None:
        with self.context:
            await self.context.init(config=tortoise_config(self.url))
            self.tokens = await viewer_tokens()
            self.cases = await cases()
            self.people = await Account.all().count() - 1

    async def close(self) -> None:
        with self.context:
            await self.context.close_connections()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = bench_settings(args.small, Path(tempfile.mkdtemp(prefix="consentql-scale-")))
    databases = {"small": Database(args.small), "large": Database(args.large)}
    for database in databases.values():
        await database.open()
    labels = [case.label for case in databases["small"].cases]
    if labels != [case.label for case in databases["large"].cases]:
        raise SystemExit("the two databases do not give the same cases: seed both with bench.seed")
    samples: dict[tuple[str, str], list[float]] = {
        (label, size): [] for label in labels for size in SIZES
    }
    try:
        async with app_client(settings) as http:
            for size, database in databases.items():
                with database.context:
                    for case in database.cases:
                        token = database.tokens[case.query.viewer]
                        check(case, size, await send(http, token, case))  # warm-up, checked
            for round_ in range(args.rounds):
                gc.collect()
                order = SIZES if round_ % 2 == 0 else SIZES[::-1]
                for index, label in enumerate(labels):
                    for size in order:
                        database = databases[size]
                        case = database.cases[index]
                        with database.context:
                            started = time.perf_counter()
                            await send(http, database.tokens[case.query.viewer], case)
                            samples[label, size].append(time.perf_counter() - started)
                if (round_ + 1) % 10 == 0 or round_ + 1 == args.rounds:
                    print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr, flush=True)
    finally:
        for database in databases.values():
            await database.close()
    rows = []
    for label in labels:
        small, large = (median_ms(samples[label, size]) for size in SIZES)
        rows.append(
            {
                "query": label,
                "small_ms": round(small, 3),
                "large_ms": round(large, 3),
                "ratio": round(large / small, 3),
            }
        )
    return {
        "benchmark": "scale",
        "small_people": databases["small"].people,
        "large_people": databases["large"].people,
        "rounds": args.rounds,
        "target_ratio": TARGET_RATIO,
        "results": rows,
    }


def print_table(payload: dict[str, Any]) -> None:
    small, large = payload["small_people"], payload["large_people"]
    print(f"\n{small:,} against {large:,} people, median of {payload['rounds']} rounds, alternated")
    print(f"{'query':44} {'small ms':>9} {'large ms':>9} {'large/small':>12}")
    for row in payload["results"]:
        times = f"{row['small_ms']:9.2f} {row['large_ms']:9.2f}"
        print(f"{row['query']:44} {times} {row['ratio']:12.3f}")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--small", required=True, help="the small seeded database's URL")
    parser.add_argument("--large", required=True, help="the large seeded database's URL")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per query and size")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    payload = asyncio.run(run(arguments(argv)))
    print_table(payload)
    path = stem(f"scale-{payload['small_people']}-{payload['large_people']}")
    print(f"\nwrote {write_json(path, payload)}")


if __name__ == "__main__":
    main()
