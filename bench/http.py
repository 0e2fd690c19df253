"""Throughput over HTTP: `consentql serve --workers N`, enforcement on and off.

Seeds a fresh database (SQLite in a temp folder, or a new PostgreSQL database that is dropped
afterwards), starts two servers on free loopback ports, one with enforcement on and one with
CONSENTQL_CONSENT_ENFORCEMENT=false, and drives the API client's 100-row list at both, in
alternating phases, from `--concurrency` connections. Traffic goes to 127.0.0.1 only, each phase
is bounded in time and in requests, and the servers are stopped at the end.

    python -m bench.http                                     # 2 workers, 2,000 people, SQLite
    python -m bench.http --workers 4 --database-url postgres://postgres@127.0.0.1/bench_http

The load generator shares the machine with the servers, so absolute requests/s say more about
the machine than about the app; the on/off ratio is the figure to compare.
"""

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise, connections

from api.database import prepare_storage, tortoise_config
from api.settings import Settings
from bench.queries import QUERIES, ViewerRole, viewer_tokens
from bench.report import bar_chart, median_ms, percentile_ms, stem, write_json
from bench.seed import ConsentRule, bench_settings, half_consent, seed

MODES = ("on", "off")
CONSENT_CODES = {"CONSENT_REQUIRED", "FORBIDDEN"}
START_SECONDS = 60
# A phase stops at its time limit or at this many requests, whichever comes first.
MAX_REQUESTS_PER_PHASE = 20_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def migrate(env: dict[str, str]) -> None:
    """Schema through `consentql migrate`, as a deployment makes it (docs/deploy.md)."""
    subprocess.run(["consentql", "migrate"], env=env, check=True, timeout=300)


async def seed_database(
    settings: Settings, people: int, consents: ConsentRule = half_consent
) -> str:
    """Seed and return the API client's token."""
    prepare_storage(settings)
    await Tortoise.init(config=tortoise_config(settings.resolved_database_url))
    try:
        await seed(people, consents=consents)
        return (await viewer_tokens())[ViewerRole.CLIENT]
    finally:
        await Tortoise.close_connections()


@contextmanager
def listening(
    command: list[str],
    env: dict[str, str],
    log: Path,
    probe_url: str,
    ready: Callable[[httpx.Response], bool],
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process in a session of its own, its output in `log`, until a GET of
    `probe_url` gets an answer `ready` accepts; stopped with its process group at the end."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")
            try:
                if ready(httpx.get(probe_url, timeout=2)):
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield process
    finally:
        # The server's own process group (for uvicorn: its supervisor and workers), nothing else.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def healthy(response: httpx.Response) -> bool:
    return response.status_code == 200


@contextmanager
def serving(
    env: dict[str, str], workers: int, log: Path, program: str = "consentql"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`consentql serve` on a free loopback port: its base URL and its process (with one
    worker, the process that serves). `program` may be another checkout's `consentql`."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [program, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with listening(
        [*command, "--workers", str(workers)], env, log, f"{base_url}/healthz", healthy
    ) as process:
        yield base_url, process


@contextmanager
def server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    with serving(env, workers, log) as (base_url, _process):
        yield base_url


def complete(answer: dict[str, Any], rows: int) -> bool:
    """The full page, and no error but the consent engine's own (a field held back)."""
    edges = ((answer.get("data") or {}).get("accounts") or {}).get("edges") or []
    codes = {error.get("extensions", {}).get("code") for error in answer.get("errors") or []}
    return len(edges) == rows and codes <= CONSENT_CODES


async def phase(
    base_url: str, token: str, seconds: float, concurrency: int
) -> tuple[list[float], int]:
    """Latencies of the requests answered with the full page, and the count of failures."""
    query = next(q for q in QUERIES if q.viewer is ViewerRole.CLIENT)
    body = {"query": query.text, "variables": {}}
    headers = {"authorization": f"Bearer {token}"}
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as http:

        async def loop() -> None:
            nonlocal failures
            while time.monotonic() < deadline and len(latencies) < MAX_REQUESTS_PER_PHASE:
                started = time.perf_counter()
                response = await http.post("/graphql", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code == 200 and complete(response.json(), query.rows):
                    latencies.append(elapsed)
                else:
                    failures += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies, failures


async def drive(
    urls: dict[str, str], token: str, seconds: float, concurrency: int, phases: int
) -> dict[str, dict[str, Any]]:
    latencies: dict[str, list[float]] = {mode: [] for mode in MODES}
    failures = dict.fromkeys(MODES, 0)
    elapsed = dict.fromkeys(MODES, 0.0)
    per_phase = seconds / phases
    for number in range(phases * 2):
        # on, off, off, on, on, off, ...: neither mode always goes first
        mode = MODES[(number + number // 2) % 2]
        started = time.monotonic()
        found, failed = await phase(urls[mode], token, per_phase, concurrency)
        elapsed[mode] += time.monotonic() - started
        latencies[mode] += found
        failures[mode] += failed
        print(f"phase {number + 1}/{phases * 2} ({mode}): {len(found)} requests", file=sys.stderr)
    return {
        mode: {
            "requests": len(latencies[mode]),
            "failures": failures[mode],
            "requests_per_second": round(len(latencies[mode]) / elapsed[mode], 1),
            "p50_ms": round(median_ms(latencies[mode]), 2),
            "p90_ms": round(percentile_ms(latencies[mode], 0.9), 2),
            "p99_ms": round(percentile_ms(latencies[mode], 0.99), 2),
        }
        for mode in MODES
    }


async def drop_database(url: str) -> None:
    await Tortoise.init(config=tortoise_config(url))
    try:
        await connections.get("default").db_delete()
    finally:
        await Tortoise.close_connections()


def server_env(settings: Settings) -> dict[str, str]:
    """The environment `consentql migrate` and `serve` run in, for the settings' database."""
    return {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(settings.data_dir),
        "CONSENTQL_DATABASE_URL": settings.resolved_database_url,
        "CONSENTQL_MASTER_KEY": settings.master_key,
        # Per-request log lines would be timed too; both modes log alike, warnings still show.
        "CONSENTQL_LOG_LEVEL": "WARNING",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-http-"))
    settings = bench_settings(args.database_url, data_dir)
    env = server_env(settings)
    backend = "postgres" if args.database_url else "sqlite"
    if backend == "postgres":
        asyncio.run(create_database(settings.resolved_database_url))
    try:
        migrate(env)
        token = asyncio.run(seed_database(settings, args.people))
        off_env = {**env, "CONSENTQL_CONSENT_ENFORCEMENT": "false"}
        with (
            server(env, args.workers, data_dir / "server-on.log") as on_url,
            server(off_env, args.workers, data_dir / "server-off.log") as off_url,
        ):
            results = asyncio.run(
                drive(
                    {"on": on_url, "off": off_url},
                    token,
                    args.seconds,
                    args.concurrency,
                    args.phases,
                )
            )
    finally:
        if backend == "postgres":
            asyncio.run(drop_database(settings.resolved_database_url))
    on, off = results["on"], results["off"]
    print(
        f"\n{args.people:,} people on {backend}, {args.workers} workers per server, "
        f"{args.concurrency} connections, {args.seconds:.0f} s per mode"
    )
    print(f"{'mode':5} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for mode in MODES:
        row = results[mode]
        print(
            f"{mode:5} {row['requests_per_second']:8.1f} {row['p50_ms']:8.2f} "
            f"{row['p90_ms']:8.2f} {row['p99_ms']:8.2f} {row['failures']:7d}"
        )
    ratio = off["requests_per_second"] / on["requests_per_second"]
    print(f"throughput off/on: {ratio:.3f}   p50 on/off: {on['p50_ms'] / off['p50_ms']:.3f}")
    return {
        "benchmark": "http",
        "backend": backend,
        "people": args.people,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seconds_per_mode": args.seconds,
        "results": results,
        "throughput_off_over_on": round(ratio, 3),
    }


async def create_database(url: str) -> None:
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    await Tortoise.close_connections()


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=20, help="load time per mode")
    parser.add_argument("--phases", type=int, default=2, help="phases per mode, alternated")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database that does not exist yet (created, then dropped)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    payload = run(args)
    path = stem(f"http-{payload['backend']}-{payload['workers']}w")
    print(f"\nwrote {write_json(path, payload)}")
    results = payload["results"]
    chart = bar_chart(
        path,
        f"API client, 100-row list over HTTP: {payload['workers']} workers, {payload['backend']}",
        ["requests/s", "p50 ms", "p90 ms"],
        {
            mode: [
                results[mode]["requests_per_second"],
                results[mode]["p50_ms"],
                results[mode]["p90_ms"],
            ]
            for mode in MODES
        },
        "value",
    )
    if chart:
        print(f"wrote {chart}")


if __name__ == "__main__":
    main()
