"""Fault: PostgreSQL restarts in the middle of a load run; the server recovers by itself and no
mutation is half-applied.

Same deployment as bench/load.py (fresh database, `consentql serve --workers 2`), but the clients
mostly place orders, each tagged with a unique product name. A third of the way in, PostgreSQL is
restarted (`pg_ctlcluster --skip-systemctl-redirect <version> main restart`); the server is not
touched. Afterwards the script shows
- recovery: requests succeed again after the restart, and how long the outage lasted for clients;
- no lost write: every order the API acknowledged is in the database, complete;
- no phantom: every order in the database was asked for;
- no duplicate: clients retry an unsure `placeOrder` with its idempotency key, so an order whose
  commit landed but whose answer was lost comes back on the retry instead of being placed again.

    python -m bench.fault                     # 16 clients, 30 s, restart at 10 s
"""

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from tortoise import Tortoise, connections

from api.database import tortoise_config
from bench.http import drop_database, server
from bench.load import (
    Step,
    Tally,
    arguments,
    deployment,
    drive,
    extra_env,
    make_accounts,
    place_order,
    print_summary,
    read_me,
    summary,
)

ORDER_HEAVY: list[Step] = [place_order, place_order, read_me]


def restart_postgres() -> float:
    """Seconds the restart took. Only this machine's own cluster is touched."""
    versions = sorted(path.name for path in Path("/etc/postgresql").iterdir())
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
        timeout=120,
    )
    return time.monotonic() - started


async def stored_orders(database_url: str, run: int) -> list[tuple[str, str, str, str]]:
    """(product tag, kind, amount, status) of this run's orders, read straight from the table."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        rows = await connections.get("default").execute_query_dict(
            'SELECT product, kind, amount, status FROM "order" WHERE product LIKE $1',
            [f"load-{run}-%"],
        )
    finally:
        await Tortoise.close_connections()
    return [(row["product"], row["kind"], str(row["amount"]), row["status"]) for row in rows]


def main(argv: list[str] | None = None) -> None:
    args = arguments("python -m bench.fault", __doc__ or "", argv)
    run = int(time.time()) % 10_000
    deployed = deployment(extra_env(args))
    restart: dict[str, float] = {}

    def restart_later() -> None:
        time.sleep(args.seconds / 3)
        restart["at"] = time.monotonic()
        restart["took"] = restart_postgres()

    try:
        asyncio.run(make_accounts(deployed, run, args.clients))
        asyncio.run(make_accounts(deployed, run + 1, 2))
        with server(deployed.env, args.workers, deployed.data_dir / "server.log") as base_url:
            restarter = threading.Thread(target=restart_later)
            restarter.start()
            tally, elapsed = asyncio.run(
                drive(base_url, args.clients, args.seconds, run, ORDER_HEAVY)
            )
            restarter.join()
            # The same server, never restarted, must answer once more after the load.
            after, _ = asyncio.run(drive(base_url, 2, 3, run + 1, ORDER_HEAVY))
        stored = asyncio.run(stored_orders(deployed.database_url, run))
    finally:
        asyncio.run(drop_database(deployed.database_url))
    print_summary(
        f"load with a PostgreSQL restart, {args.clients} clients", summary(tally, elapsed)
    )
    verdict = judge(tally, after, stored, restart)
    for line in verdict:
        print(line)
    if any(line.startswith("FAIL") for line in verdict):
        sys.exit(1)


def judge(
    tally: Tally, after: Tally, stored: list[tuple[str, str, str, str]], restart: dict[str, float]
) -> list[str]:
    lines = [f"  restart took            {restart['took']:.1f} s"]
    if tally.errors_at:
        window = max(tally.errors_at) - min(tally.errors_at)
        lines.append(f"  failing window          {window:.1f} s ({len(tally.errors_at)} requests)")
    acknowledged = tally.placed
    copies = Counter(tag for tag, *_ in stored)
    duplicated = {tag for tag, count in copies.items() if count > 1}
    lost = acknowledged - copies.keys()
    phantom = copies.keys() - tally.attempted_orders
    unanswered = copies.keys() - acknowledged - phantom
    broken = {tag for tag, *row in stored if row != ["CONSUMPTION", "9.90", "PENDING"]}
    lines += [
        f"  orders acknowledged     {len(acknowledged)}",
        f"  orders stored           {len(stored)}",
        f"  stored, never answered  {len(unanswered)} (committed whole; every retry failed too)",
    ]
    recovered = len(after.placed) > 0 and after.server_errors == 0
    checks = [
        (recovered, "the server answers again after the restart, without being restarted"),
        (not lost, f"every acknowledged order is stored ({len(lost)} lost)"),
        (not phantom, f"every stored order was asked for ({len(phantom)} phantom)"),
        (not duplicated, f"no order was placed twice by a retry ({len(duplicated)} duplicated)"),
        (not broken, f"every stored order is complete ({len(broken)} incomplete)"),
    ]
    lines += [f"{'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks]
    return lines


if __name__ == "__main__":
    main()
