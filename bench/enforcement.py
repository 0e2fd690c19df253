"""What the consent engine costs: the representative queries with enforcement on and off.

One process, one database, two app instances (`consent_enforcement` True and False) driven
through httpx's ASGI transport, requests interleaved on/off (the order flipped every round) so
both see the same caches, the same garbage collector and the same machine noise. Prints the
median ms per query, the on/off ratio, the ledger write's median ms (and its share of the
request, and of what enforcement adds to it) and the SQL statements per query; writes JSON and
a PNG chart to bench/results/.

    python -m bench.enforcement                              # 10,000 people, SQLite temp file
    python -m bench.enforcement --people 1000 --rounds 10    # quick
    python -m bench.enforcement --database-url postgres://postgres@127.0.0.1/bench_1m \\
        --people 1000000 --keep                              # seed once, keep the database
    python -m bench.enforcement --database-url postgres://postgres@127.0.0.1/bench_1m --reuse

Off means the engine allows every field and narrows no list (no consent look-up, no ledger
write): the API without privacy, the baseline the target (on/off <= 1.10) is measured against.
"""

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from tortoise import Tortoise, connections

from api.accounts.types import ACCOUNT_CURSOR
from api.actor import Actor
from api.database import tortoise_config
from api.graphql.pagination import encode_cursor
from api.http.app import create_app
from api.settings import Settings
from bench.queries import QUERIES, Query, ViewerRole, viewer_tokens
from bench.report import bar_chart, median_ms, percentile_ms, stem, write_json
from bench.seed import DEFAULT_PEOPLE, bench_settings, open_database, seed
from bench.statements import counting_statements
from models.accounts import Account
from plugins.engine import RequestDecisions

MODES = ("on", "off")
TARGET_RATIO = 1.10


@dataclass
class Series:
    samples: list[float] = field(default_factory=list)
    statements: int = 0
    # Seconds each request spent writing its ledger entries (enforcement on only).
    ledger: list[float] = field(default_factory=list)


class LedgerClock:
    """Times the ledger write of each request of one app (`Ledger.record_reads`)."""

    def __init__(self, app: Starlette) -> None:
        self.spent = 0.0
        ledger = app.state.runtime.ledger
        record_reads = ledger.record_reads

        async def timed(actor: Actor, decisions: RequestDecisions) -> None:
            started = time.perf_counter()
            try:
                await record_reads(actor, decisions)
            finally:
                self.spent += time.perf_counter() - started

        ledger.record_reads = timed


@dataclass(frozen=True)
class Case:
    """A query with its variables, as one viewer sends it."""

    query: Query
    label: str
    variables: dict[str, Any]


async def cases() -> list[Case]:
    """Each query, and each list query once more from the middle of the table (keyset paging
    should make page 5,000 cost what page 1 costs)."""
    top = await Account.all().order_by("-id").first()
    middle_id = (top.id if top else 0) // 2
    middle = encode_cursor(ACCOUNT_CURSOR, middle_id)
    found = []
    for query in QUERIES:
        found.append(Case(query, query.name, {}))
        # Every other person consents (bench.seed): a full page below the middle needs this many.
        if query.viewer is ViewerRole.CLIENT and middle_id >= 2 * (query.rows + 1):
            found.append(Case(query, f"{query.name}, middle page", {"after": middle}))
    return found


async def send(http: httpx.AsyncClient, token: str, case: Case) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": case.query.text, "variables": case.variables},
        headers={"authorization": f"Bearer {token}"},
    )
    return response.json()


def check(case: Case, mode: str, answer: dict[str, Any]) -> None:
    """A benchmark of wrong answers measures nothing: the rows must all be there."""
    data = answer.get("data") or {}
    if "me" in data:
        rows = 1 if data["me"] else 0
    else:
        rows = len((data.get("accounts") or {}).get("edges", []))
    unexpected = [
        error
        for error in answer.get("errors") or []
        if error.get("extensions", {}).get("code") not in ("CONSENT_REQUIRED", "FORBIDDEN")
    ]
    if rows != case.query.rows or unexpected:
        raise SystemExit(f"{case.label} ({mode}): {rows} rows, errors {unexpected[:2]}")


async def measure(
    clients: dict[str, httpx.AsyncClient],
    tokens: dict[ViewerRole, str],
    all_cases: list[Case],
    rounds: int,
    ledger_clock: LedgerClock,
) -> dict[str, dict[str, Series]]:
    results = {case.label: {mode: Series() for mode in MODES} for case in all_cases}
    for case in all_cases:
        for mode in MODES:
            token = tokens[case.query.viewer]
            check(case, mode, await send(clients[mode], token, case))  # warm-up, checked
            with counting_statements() as counter:
                await send(clients[mode], token, case)
            results[case.label][mode].statements = counter.count
    for round_ in range(rounds):
        gc.collect()
        order = MODES if round_ % 2 == 0 else MODES[::-1]
        for case in all_cases:
            token = tokens[case.query.viewer]
            for mode in order:
                ledger_clock.spent = 0.0
                started = time.perf_counter()
                await send(clients[mode], token, case)
                results[case.label][mode].samples.append(time.perf_counter() - started)
                if mode == "on":
                    results[case.label][mode].ledger.append(ledger_clock.spent)
        if (round_ + 1) % 10 == 0 or round_ + 1 == rounds:
            print(f"round {round_ + 1}/{rounds}", file=sys.stderr, flush=True)
    return results


def summary(results: dict[str, dict[str, Series]]) -> list[dict[str, Any]]:
    rows = []
    for label, by_mode in results.items():
        on, off = by_mode["on"], by_mode["off"]
        ledger_ms = median_ms(on.ledger)
        rows.append(
            {
                "query": label,
                "on_ms": round(median_ms(on.samples), 3),
                "off_ms": round(median_ms(off.samples), 3),
                "ledger_ms": round(ledger_ms, 3),
                # The ledger write's part of the request, and of what enforcement adds to it.
                "ledger_share_of_on": round(ledger_ms / median_ms(on.samples), 3),
                "ledger_share_of_cost": round(
                    ledger_ms / max(median_ms(on.samples) - median_ms(off.samples), 1e-9), 3
                ),
                "on_p90_ms": round(percentile_ms(on.samples, 0.9), 3),
                "off_p90_ms": round(percentile_ms(off.samples, 0.9), 3),
                "ratio": round(median_ms(on.samples) / median_ms(off.samples), 3),
                "statements_on": on.statements,
                "statements_off": off.statements,
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'query':44} {'on ms':>8} {'off ms':>8} {'on/off':>7} {'ledger':>7} {'of on':>6} "
        f"{'of +':>6} {'SQL on':>7} {'SQL off':>7}"
    )
    for row in rows:
        print(
            f"{row['query']:44} {row['on_ms']:8.2f} {row['off_ms']:8.2f} {row['ratio']:7.3f} "
            f"{row['ledger_ms']:7.2f} {row['ledger_share_of_on']:6.2f} "
            f"{row['ledger_share_of_cost']:6.2f} {row['statements_on']:7d} "
            f"{row['statements_off']:7d}"
        )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-bench-"))
    settings_on = bench_settings(args.database_url, data_dir)
    settings_off = settings_on.model_copy(update={"consent_enforcement": False})
    backend = "postgres" if settings_on.resolved_database_url.startswith("postgres") else "sqlite"
    await open_database(settings_on, create=not args.reuse)
    try:
        seeded = None if args.reuse else await seed(args.people)
        people = await Account.all().count() - 1
        tokens = await viewer_tokens()
        all_cases = await cases()
        apps = {
            mode: create_app(settings, manage_database=False)
            for mode, settings in zip(MODES, (settings_on, settings_off), strict=True)
        }
        ledger_clock = LedgerClock(apps["on"])
        async with AsyncExitStack() as stack:
            clients = {
                mode: await stack.enter_async_context(http_client(app))
                for mode, app in apps.items()
            }
            results = await measure(clients, tokens, all_cases, args.rounds, ledger_clock)
    finally:
        await Tortoise.close_connections()
        if backend == "postgres" and not args.keep and not args.reuse:
            await drop_database(settings_on)
    rows = summary(results)
    print(f"\n{people:,} people on {backend}, median of {args.rounds} rounds, interleaved")
    print_table(rows)
    return {
        "benchmark": "enforcement",
        "backend": backend,
        "people": people,
        "rounds": args.rounds,
        "seed_seconds": round(seeded.seconds, 1) if seeded else None,
        "target_ratio": TARGET_RATIO,
        "results": rows,
    }


def app_client(settings: Settings) -> httpx.AsyncClient:
    return http_client(create_app(settings, manage_database=False))


def http_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def drop_database(settings: Settings) -> None:
    """A seeded PostgreSQL database is dropped unless `--keep`: 1M people is gigabytes."""
    await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
    try:
        await connections.get("default").db_delete()
    finally:
        await Tortoise.close_connections()


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.enforcement",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per query and mode")
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL (default: SQLite in a temp folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded PostgreSQL database")
    parser.add_argument("--reuse", action="store_true", help="bench a database seeded before")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    payload = asyncio.run(run(args))
    path = stem(f"enforcement-{payload['backend']}-{payload['people']}")
    print(f"\nwrote {write_json(path, payload)}")
    rows = payload["results"]
    chart = bar_chart(
        path,
        f"consent enforcement on vs off: {payload['people']:,} people, {payload['backend']}",
        [row["query"] for row in rows],
        {"on": [row["on_ms"] for row in rows], "off": [row["off_ms"] for row in rows]},
        "median ms per query",
        [f"{row['ratio']:.2f}x" for row in rows],
    )
    if chart:
        print(f"wrote {chart}")


if __name__ == "__main__":
    main()
