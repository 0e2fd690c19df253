"""Load: concurrent clients against `consentql serve --workers 2` on PostgreSQL, for a set time.

Creates a fresh PostgreSQL database, migrates it and seeds the demo (`consentql seed --demo`),
starts the server on a free loopback port, then runs `--clients` concurrent clients for
`--seconds`. Each client signs in once to an account made for it beforehand (as the operator
makes accounts: registering through the API needs the code sent to each phone, and one address
asking for many codes is what the throttle stops), then loops over a mix a portal sees: its own
account with orders, its order list, placing an order, an anonymous reservation. Prints
requests/s, p50 and p99 latency and the count of server errors (HTTP 5xx, an error coded
INTERNAL_SERVER_ERROR or SERVICE_UNAVAILABLE, or a connection that failed). Traffic goes to
127.0.0.1 only; the database is dropped at the end.

    python -m bench.load                                   # 2 workers, 16 clients, 20 s
    python -m bench.load --clients 32 --seconds 60 --workers 4
"""

import argparse
import asyncio
import itertools
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise

from api.accounts.service import register
from api.cli.demo import cheap_passwords
from api.database import prepare_storage, tortoise_config
from api.errors import ErrorCode
from api.settings import Settings
from bench.http import create_database, drop_database, migrate, server
from bench.report import median_ms, percentile_ms
from bench.seed import bench_settings

POSTGRES = "postgres://postgres@127.0.0.1:5432"
SERVER_ERRORS = {ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE}

ME = "{ me { id name phone orders(first: 10) { edges { node { id product amount } } } } }"
ORDERS = "{ orders(first: 20) { edges { node { id product status } } pageInfo { hasNextPage } } }"
PLACE_ORDER = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id product } }"
RESERVE = "mutation($i: CreateReservationInput!) { createReservation(input: $i) { id } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"
PASSWORD = "load test password 1"
# placeOrder after an unsure answer: tries in all, and the pause before the n-th retry is n times
# this (the fault bench's PostgreSQL restart takes about a second).
ORDER_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.25


@dataclass
class Tally:
    """What the clients saw; `placed` holds the product tag of every acknowledged order."""

    latencies: list[float] = field(default_factory=list)
    # Signing in (argon2, deliberately slow; the first sign-in also upgrades the demo-cheap hash
    # to the server's parameters) is timed apart from the mix.
    sign_in_latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    placed: set[str] = field(default_factory=set)
    attempted_orders: set[str] = field(default_factory=set)
    errors_at: list[float] = field(default_factory=list)


@dataclass
class Answer:
    ok: bool
    data: Any = None
    # No answer, or a server error: the request may or may not have been applied.
    unsure: bool = False


async def call(
    http: httpx.AsyncClient,
    tally: Tally,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    signing_in: bool = False,
) -> Answer:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    try:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    except httpx.TransportError:
        return failed(tally)
    elapsed = time.perf_counter() - started
    (tally.sign_in_latencies if signing_in else tally.latencies).append(elapsed)
    if response.status_code >= 500:
        return failed(tally)
    body = response.json()
    errors = body.get("errors") or []
    # A fault or an outage met during execution still answers 200: only its code tells.
    if any(refusal(error) in SERVER_ERRORS for error in errors):
        return failed(tally)
    if errors:
        tally.refused.update(refusal(error) for error in errors)
        return Answer(False)
    return Answer(True, body["data"])


def refusal(error: dict[str, Any]) -> str:
    """The error's code; one without a code (a defect of the API) by its message."""
    return (error.get("extensions") or {}).get("code") or f"no code: {error.get('message')}"


def failed(tally: Tally) -> Answer:
    tally.server_errors += 1
    tally.errors_at.append(time.monotonic())
    return Answer(False, unsure=True)


def phone_of(run: int, client: int) -> str:
    return f"139{run:04d}{client:04d}"


async def make_accounts(deployed: "Deployment", run: int, clients: int) -> None:
    """The accounts of `clients` clients of `run`, written straight to the database."""
    settings = Settings(
        data_dir=deployed.data_dir,
        database_url=deployed.database_url,
        master_key=deployed.env["CONSENTQL_MASTER_KEY"],
    )
    prepare_storage(settings)
    await Tortoise.init(config=tortoise_config(deployed.database_url))
    try:
        passwords = cheap_passwords(settings)
        for client in range(clients):
            await register(
                passwords,
                phone=phone_of(run, client),
                email=f"load{run}.{client}@example.com",
                name=f"压测{client}",
                company="压测有限公司",
                secret=PASSWORD,
            )
    finally:
        await Tortoise.close_connections()


async def signed_in(http: httpx.AsyncClient, tally: Tally, run: int, client: int) -> str | None:
    login = {"login": phone_of(run, client), "password": PASSWORD}
    answer = await call(http, tally, LOGIN, {"i": login}, signing_in=True)
    return answer.data["login"]["token"] if answer.ok else None


def order_input(tag: str) -> dict[str, Any]:
    return {"kind": "CONSUMPTION", "product": tag, "productType": "VALUE_ADDED", "amount": "9.90"}


async def place_order(http: httpx.AsyncClient, tally: Tally, token: str, tag: str) -> None:
    """As a careful client does: the tag is the idempotency key, and an unsure answer is retried
    with it, so an order whose answer was lost comes back instead of being placed twice."""
    tally.attempted_orders.add(tag)
    variables = {"i": {**order_input(tag), "idempotencyKey": tag}}
    for attempt in range(ORDER_ATTEMPTS):
        answer = await call(http, tally, PLACE_ORDER, variables, token)
        if answer.ok:
            tally.placed.add(answer.data["placeOrder"]["product"])
            return
        if not answer.unsure:
            return
        await asyncio.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))


Step = Callable[[httpx.AsyncClient, Tally, str, str], Awaitable[None]]


async def read_me(http: httpx.AsyncClient, tally: Tally, token: str, _tag: str) -> None:
    await call(http, tally, ME, token=token)


async def read_orders(http: httpx.AsyncClient, tally: Tally, token: str, _tag: str) -> None:
    await call(http, tally, ORDERS, token=token)


async def reserve(http: httpx.AsyncClient, tally: Tally, _token: str, tag: str) -> None:
    details = {
        "product": tag,
        "phone": "13900139000",
        "name": "预约人",
        "email": "reserve@example.com",
        "province": "广东",
        "city": "深圳",
    }
    await call(http, tally, RESERVE, {"i": details})


MIX: list[Step] = [read_me, read_orders, place_order, read_me, reserve, read_orders]


async def client_loop(
    http: httpx.AsyncClient,
    tally: Tally,
    run: int,
    client: int,
    deadline: float,
    mix: list[Step],
) -> None:
    token = None
    while token is None and time.monotonic() < deadline:
        token = await signed_in(http, tally, run, client)
        if token is None:
            await asyncio.sleep(0.5)  # the database may be restarting
    for sequence in itertools.count():
        if token is None or time.monotonic() >= deadline:
            return
        step = mix[sequence % len(mix)]
        await step(http, tally, token, f"load-{run}-{client}-{sequence}")


async def drive(
    base_url: str, clients: int, seconds: float, run: int, mix: list[Step] = MIX
) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as http:
        await asyncio.gather(
            *(client_loop(http, tally, run, n, started + seconds, mix) for n in range(clients))
        )
    return tally, time.monotonic() - started


def summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    count = len(tally.latencies)
    signing_in = tally.sign_in_latencies
    return {
        "requests": count,
        "requests_per_second": round(count / elapsed, 1),
        "p50_ms": round(median_ms(tally.latencies), 1) if count else None,
        "p99_ms": round(percentile_ms(tally.latencies, 0.99), 1) if count else None,
        "sign_ins": len(signing_in),
        "sign_in_p50_ms": round(median_ms(signing_in), 1) if signing_in else None,
        "server_errors": tally.server_errors,
        "refused_with_a_code": dict(tally.refused),
        "orders_acknowledged": len(tally.placed),
    }


def print_summary(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}")
    for key, value in result.items():
        print(f"  {key:22} {value}")


@dataclass
class Deployment:
    """A fresh PostgreSQL database, migrated and seeded, and the environment to serve it."""

    env: dict[str, str]
    database_url: str
    data_dir: Path


def deployment(extra_env: dict[str, str]) -> Deployment:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-load-"))
    url = f"{POSTGRES}/consentql_load_{secrets.token_hex(4)}"
    settings = bench_settings(url, data_dir)
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(data_dir),
        "CONSENTQL_DATABASE_URL": url,
        "CONSENTQL_MASTER_KEY": settings.master_key,
        "CONSENTQL_LOG_LEVEL": "WARNING",
        **extra_env,
    }
    asyncio.run(create_database(url))
    try:
        migrate(env)
        subprocess.run(["consentql", "seed", "--demo"], env=env, check=True, timeout=300)
    except BaseException:
        asyncio.run(drop_database(url))
        raise
    return Deployment(env, url, data_dir)


def arguments(prog: str, doc: str, argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--redis-url", default="", help="keep the sign-in throttle in Redis (CONSENTQL_REDIS_URL)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 256 or not 1 <= args.seconds <= 600:
        parser.error("--clients must be 1..256 and --seconds 1..600")
    return args


def extra_env(args: argparse.Namespace) -> dict[str, str]:
    return {"CONSENTQL_REDIS_URL": args.redis_url} if args.redis_url else {}


def main(argv: list[str] | None = None) -> None:

    args = arguments("python -m bench.load", __doc__ or "", argv)
    deployed = deployment(extra_env(args))
    run = secrets.randbelow(10_000)
    try:
        asyncio.run(make_accounts(deployed, run, args.clients))
        with server(deployed.env, args.workers, deployed.data_dir / "server.log") as base_url:
            tally, elapsed = asyncio.run(drive(base_url, args.clients, args.seconds, run))
    finally:
        asyncio.run(drop_database(deployed.database_url))
    print_summary(
        f"{args.clients} clients, {args.workers} workers, PostgreSQL, {elapsed:.1f} s",
        summary(tally, elapsed),
    )
    if tally.server_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
