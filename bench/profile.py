"""Where consentql's time goes, per request, for bench.peer's query: enforcement on and off.

Seeds a database as bench.peer does, starts `consentql serve --workers 1` (on, then off), drives
it with the peer's load.mjs and samples the serving process with py-spy (the `bench` extra) the
whole time, without pausing it. Every sample is then put in one part of the request (PARTS,
first match wins) and each part is reported as its share of the samples and as CPU ms per
request: the share times the server's CPU time per request, read from /proc over the same run.
py-spy's raw stacks are kept beside the JSON in bench/results/ (for a flame graph, or to sort
again with `--stacks`).

    python -m bench.profile                                  # SQLite, 20 s per mode
    python -m bench.profile --database-url postgres://postgres@127.0.0.1/bench_profile
    python -m bench.profile --stacks bench/results/profile-sqlite-…-on.txt --cpu-ms 27.4

Sampling sees CPU, not waiting: time a request spends waiting for the database server or for
another request's turn on the event loop is not in these figures.
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.peer import (
    QUERY,
    checked,
    consentql,
    cpu_seconds,
    deployed,
    drive,
    ensure_peer_installed,
    load_parser,
)
from bench.report import stem, write_json

MODES = ("on", "off")
IDLE = "idle (waiting in epoll)"
DATABASE_THREAD = "database thread (aiosqlite: SQLite itself, rows to tuples)"
OTHER = "other"
# One py-spy frame: "function (path:line)".
FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")


@dataclass(frozen=True)
class Part:
    """A part of the request: a sample belongs to it when a frame of the stack (`within`) or the
    innermost frame of known code (`leaf`) has a function matching `function` in a file whose
    path matches `path`."""

    name: str
    path: str
    function: str = ""
    leaf: bool = False

    def matches(self, function: str, path: str) -> bool:
        return re.search(self.path, path) is not None and (
            not self.function or re.search(self.function, function) is not None
        )


# Order matters: the first part a sample matches is its part, so the parts of the request that
# call into the ORM, the driver or the engine (ledger, authentication, consent look-up) come
# before those.
PARTS = (
    Part(IDLE, r"selectors\.py$", r"select$", leaf=True),
    Part(DATABASE_THREAD, r"aiosqlite/core\.py$", r"_connection_worker_thread"),
    Part("ledger write (entries, MAC, INSERT, COMMIT)", r"api/audit/ledger\.py$", r"record_reads"),
    Part("authentication (bearer token look-up)", r"api/auth/identify\.py$", r"^identify$"),
    Part(
        "consent look-up (plugins' prepare)", r"plugins/engine\.py$", r"RequestDecisions\.prepare"
    ),
    Part(
        "Tortoise: parsing datetimes",
        r"tortoise/fields/data\.py$",
        r"DatetimeField\.to_python_value",
    ),
    Part("decrypting phone and email", r"models/(keys|keyring)\.py$"),
    Part("Tortoise: building model objects", r"tortoise/models\.py$", r"_init_from_db"),
    Part(
        "Tortoise: building the SQL (pypika)",
        r"pypika/|tortoise/(queryset|expressions|query_utils)"
        r"\.py$",
        r"_make_query|resolve|get_sql|_get_sql|as_sql",
    ),
    Part(
        "database driver calls (asyncpg, aiosqlite, Tortoise client)",
        r"asyncpg/|aiosqlite/|tortoise/backends/",
    ),
    Part("JSON encoding and decoding", r"/json/"),
    Part("parsing and validating the query", r"graphql/(language|validation)/"),
    Part("consent decisions and masking (engine)", r"plugins/"),
    Part(
        "consentql field resolvers (personal fields, nodes, connection)",
        r"api/graphql/(personal|accounts|nodes|pagination)\.py$",
        leaf=True,
    ),
    Part(
        "Strawberry resolver wrappers",
        r"strawberry/(schema/schema_converter|types|execution)/?",
        leaf=True,
    ),
    Part("graphql-core field execution", r"graphql/", leaf=True),
    Part("Strawberry view, schema and extensions", r"strawberry/", leaf=True),
    Part(
        "consentql schema extensions (limits, caches, consent report)", r"api/graphql/", leaf=True
    ),
    Part(
        "middlewares (consentql's and Starlette's)",
        r"api/(middleware|metrics|logging|csrf)\.py$|starlette/(middleware/|_exception_handler)"
        r"|uvicorn/middleware/",
        leaf=True,
    ),
    Part("HTTP server (uvicorn, h11, Starlette routing)", r"uvicorn/|h11/|starlette/", leaf=True),
    Part("event loop (asyncio)", r"asyncio/", leaf=True),
    Part("Tortoise (other)", r"tortoise/", leaf=True),
    Part("consentql (other)", r"(api|plugins|models)/", leaf=True),
)
# Code a sample's own frame may be in without telling what it is doing for the request: such a
# leaf (copy.py, enum.py, a dataclass's generated __init__) counts for the nearest caller that
# is in code PARTS know.
KNOWN = re.compile(
    r"graphql/|strawberry/|tortoise/|pypika/|starlette/|uvicorn/|h11/|asyncio/|asyncpg/|aiosqlite/"
    r"|/json/|selectors\.py$|(^|/)(api|plugins|models)/"
)


def frames(stack: str) -> list[tuple[str, str]]:
    """(function, path) from the outermost frame to the innermost."""
    found = []
    for frame in stack.split(";"):
        match = FRAME.match(frame)
        found.append((match["function"], match["path"]) if match else (frame, ""))
    return found


def part_of(stack: list[tuple[str, str]]) -> str:
    leaf = next(((f, p) for f, p in reversed(stack) if KNOWN.search(p)), ("", ""))
    for part in PARTS:
        if part.leaf:
            if part.matches(*leaf):
                return part.name
        elif any(part.matches(function, path) for function, path in stack):
            return part.name
    return OTHER


def breakdown(stacks: Path) -> Counter[str]:
    """Samples per part, from py-spy's raw output (one "frame;frame;… count" per line)."""
    samples: Counter[str] = Counter()
    for line in stacks.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples[part_of(frames(stack))] += int(count)
    return samples


def shares(
    samples: Counter[str], cpu_ms: float | None, thread_ms: float | None = None
) -> dict[str, dict[str, float | None]]:
    """Each part's share and CPU ms per request (idle samples left out). With `thread_ms`, the
    CPU ms per request of the threads other than the event loop's (aiosqlite's, read from /proc),
    `cpu_ms` is the event loop thread's own and is shared among the other parts: py-spy counts a
    thread that waits for a core as busy, so on a loaded machine the two threads' sample counts
    do not say how their CPU time compares."""
    apart = {DATABASE_THREAD} if thread_ms is not None else set()
    busy = sum(count for name, count in samples.items() if name not in apart | {IDLE}) or 1
    # Each part's CPU ms per request, or its samples where no CPU time is known.
    weight = {
        name: count * (cpu_ms / busy if cpu_ms is not None else 1)
        for name, count in samples.most_common()
        if name not in apart | {IDLE}
    }
    if thread_ms is not None:
        weight[DATABASE_THREAD] = thread_ms
    total = sum(weight.values()) or 1
    return {
        name: {
            "percent": round(100 * value / total, 1),
            "ms_per_request": round(value, 2) if cpu_ms is not None else None,
        }
        for name, value in sorted(weight.items(), key=lambda item: -item[1])
    }


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of each of the process's threads, by thread id."""
    return {
        int(task.name): cpu_seconds(pid, int(task.name))
        for task in Path(f"/proc/{pid}/task").iterdir()
    }


def record(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """Both modes, one after the other: the load run's figures and each part's share."""
    found: dict[str, Any] = {}
    with deployed(args.database_url, args.people) as deployment:
        for mode in MODES:
            with consentql(deployment, mode) as target:
                stacks = path.with_name(f"{path.name}-{mode}.txt")
                spy = subprocess.Popen(
                    [
                        "py-spy", "record", "--pid", str(target.pid), "--nonblocking",
                        "--rate", str(args.rate), "--format", "raw", "--full-filenames",
                        "--duration", str(int(args.warmup + args.seconds)), "--output", str(stacks),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
                try:
                    before, started = thread_cpu(target.pid), time.monotonic()
                    load = drive(target, args, deployment.data_dir / f"load-{mode}.json")
                    elapsed = time.monotonic() - started
                    after, requests = thread_cpu(target.pid), max(load["rps"] * elapsed, 1.0)
                    spy.wait(timeout=60)
                finally:
                    if spy.poll() is None:  # the run failed: py-spy is not left sampling
                        spy.kill()
                        spy.wait()
                # The event loop runs in the process's first thread; the others are aiosqlite's.
                loop_ms = 1000 * (after[target.pid] - before[target.pid]) / requests
                others_ms = (
                    1000
                    * sum(cpu - before.get(thread, 0.0) for thread, cpu in after.items())
                    / requests
                    - loop_ms
                )
                found[mode] = {
                    "load": load,
                    "event_loop_thread_cpu_ms_per_request": round(loop_ms, 2),
                    "other_threads_cpu_ms_per_request": round(others_ms, 2),
                    "stacks": str(stacks),
                    "parts": shares(breakdown(stacks), loop_ms, others_ms),
                }
                print(f"{mode}: {load['rps']} req/s under py-spy", file=sys.stderr)
    return found


def print_table(modes: dict[str, Any]) -> None:
    names = list(dict.fromkeys(name for mode in modes.values() for name in mode["parts"]))
    header = "".join(f" {mode + ' %':>7} {mode + ' ms':>8}" for mode in modes)
    print(f"\n{'part of the request':64}{header}")
    for name in names:
        cells = ""
        for mode in modes.values():
            part = mode["parts"].get(name, {"percent": 0.0, "ms_per_request": 0.0})
            ms = part["ms_per_request"]
            cells += f" {part['percent']:7.1f} {ms if ms is not None else float('nan'):8.2f}"
        print(f"{name:64}{cells}")
    totals = "".join(
        f" {100.0:7.1f} {mode['load']['server_cpu_ms_per_request'] or float('nan'):8.2f}"
        for mode in modes.values()
    )
    print(f"{'all (server CPU per request)':64}{totals}")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = load_parser("python -m bench.profile", __doc__, seconds=20)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--stacks", type=Path, help="only sort this py-spy raw recording")
    parser.add_argument("--cpu-ms", type=float, help="with --stacks: server CPU ms per request")
    return checked(parser, parser.parse_args(argv))


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    if args.stacks:
        parts = shares(breakdown(args.stacks), args.cpu_ms)
        print_table({"file": {"parts": parts, "load": {"server_cpu_ms_per_request": args.cpu_ms}}})
        return
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy is needed: pip install -e '.[bench]'")
    ensure_peer_installed()
    backend = "postgres" if args.database_url else "sqlite"
    path = stem(f"profile-{backend}")
    modes = record(args, path)
    print_table(modes)
    payload = {"benchmark": "profile", "backend": backend, "query": QUERY, "modes": modes}
    print(f"\nwrote {write_json(path, payload)}")


if __name__ == "__main__":
    main()
