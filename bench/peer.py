"""consentql against its Node peer (graphql-yoga + graphql-shield), one process each, one run.

Seeds a fresh database (SQLite in a temp folder, or a new PostgreSQL database that is dropped
afterwards) with 10,000 people whose consents to the bench client are drawn like the peer's: 60%
consent, each to a random non-empty subset of phone, email, name and company (and to the region,
which the peer shows to everyone). Then five servers, each one process on a free loopback port:

    on      consentql serve --workers 1, enforcement on
    off     the same with CONSENTQL_CONSENT_ENFORCEMENT=false
    shield  the peer (bench/peers/node-shield), ENFORCE=1 SHIELD_CACHE=no_cache NODE_ENV=production
    plain   the peer, ENFORCE=0 (plain yoga: auth and the row filter, no field rules)
    floor   Strawberry's own floor (bench.floor): the same page from memory

Each is driven by the peer's own closed-loop driver (`load.mjs`, node:http with keep-alive) with
the same query, `{ accounts(first: 100) { edges { node { id phone email name company province city
} } } }`, in alternated phases, one server at a time, while the others idle. After each phase the
server's resident memory (VmRSS) is read. Prints requests/s, p50, p99 and the ratios
consentql-on/shield, on/off and off/floor; writes JSON and a PNG chart to bench/results/.

    python -m bench.peer                                     # SQLite, 10 s per phase, 2 rounds
    python -m bench.peer --seconds 20 --rounds 3
    python -m bench.peer --database-url postgres://postgres@127.0.0.1/bench_peer
    python -m bench.peer --baseline ../consentql-before     # that checkout's on and off too

With `--baseline DIR` (a checkout of consentql with its own `.venv`, e.g. a `git worktree` of an
earlier commit) its server runs too, on and off, on the same database and in the same
alternation: "before" and "after" measured in one run, with the ratios after/before.

The driver shares the machine's cores with the server under load, and the machine is shared:
absolute requests/s are pessimistic, the ratios from alternated phases are what to compare.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.http import (
    create_database,
    drop_database,
    free_port,
    listening,
    migrate,
    seed_database,
    server_env,
    serving,
)
from bench.report import pyplot, stem, write_json
from bench.seed import DEFAULT_PEOPLE, bench_settings

REPOSITORY = Path(__file__).resolve().parent.parent
PEER = Path(__file__).resolve().parent / "peers" / "node-shield"
PEER_TOKEN = "peer-client-token"
QUERY = "{ accounts(first: 100) { edges { node { id phone email name company province city } } } }"
ROWS = 100

# The peer's consent distribution (bench/peers/node-shield/data.mjs).
PEER_SCOPES = ("contact.phone", "contact.email", "identity.name", "org.company")
CONSENT_RATE = 0.6
# Every consent also covers the region: the peer shows province and city to everyone, so without
# it consentql would mask two more fields per row than the peer does anything to.
ALWAYS_CONSENTED = ["location.region"]

SERVERS = ("on", "off", "shield", "plain", "floor")
# With --baseline: the same two modes of another checkout.
BASELINE_SERVERS = ("on@base", "off@base")
DESCRIPTIONS = {
    "on": "consentql, enforcement on",
    "off": "consentql, enforcement off",
    "shield": "yoga + graphql-shield (no_cache)",
    "plain": "yoga, no shield",
    "floor": "Strawberry floor (memory)",
    "on@base": "baseline checkout, on",
    "off@base": "baseline checkout, off",
}
# (numerator, denominator, goal): consentql on/shield >= 0.5 (1.0 the aim), on/off >= 0.85,
# off within 1.5x of the floor.
RATIOS = (("on", "shield", 0.5), ("on", "off", 0.85), ("off", "floor", 1 / 1.5))
# With --baseline: this checkout against the baseline (above 1: faster now).
BASELINE_RATIOS = (("on", "on@base", 1.0), ("off", "off@base", 1.0))


def peer_consent(index: int) -> list[str] | None:
    """Person `index`'s consent to the bench client, drawn as the peer draws its: deterministic
    per person, so two seeds of the same size hold the same consents. The admin (0) has none."""
    if index == 0:
        return None
    draw = random.Random(f"peer-consent:{index}")
    if draw.random() >= CONSENT_RATE:
        return None
    subset = draw.randint(1, 15)
    return [scope for bit, scope in enumerate(PEER_SCOPES) if subset >> bit & 1] + ALWAYS_CONSENTED


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    pid: int
    token: str


def any_answer(_response: httpx.Response) -> bool:
    return True


def ensure_peer_installed() -> None:
    if shutil.which("node") is None:
        raise SystemExit("node (20 or later) is needed for the peer and its load driver")
    if not (PEER / "node_modules").is_dir():
        print("installing the peer's pinned packages (npm ci)", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True, timeout=600)


@contextmanager
def peer_server(enforce: bool, log: Path) -> Iterator[Target]:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "NODE_ENV": "production",
        "ENFORCE": "1" if enforce else "0",
        **({"SHIELD_CACHE": "no_cache"} if enforce else {}),
    }
    url = f"http://127.0.0.1:{port}/graphql"
    with listening(["node", str(PEER / "server.mjs")], env, log, url, any_answer) as process:
        yield Target("shield" if enforce else "plain", url, process.pid, PEER_TOKEN)


@contextmanager
def floor_server(rows: Path, log: Path) -> Iterator[Target]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "bench.floor", "--port", str(port), "--rows", str(rows)]
    url = f"http://127.0.0.1:{port}/graphql"
    with listening(command, env, log, url, any_answer) as process:
        yield Target("floor", url, process.pid, "unused")  # the floor has no authentication


def fetch_page(target: Target) -> tuple[dict[str, Any], int]:
    """One answer, checked: a benchmark of wrong answers measures nothing."""
    response = httpx.post(
        target.url,
        json={"query": QUERY},
        headers={"authorization": f"Bearer {target.token}"},
        timeout=30,
    )
    answer = response.json()
    edges = ((answer.get("data") or {}).get("accounts") or {}).get("edges") or []
    if response.status_code != 200 or len(edges) != ROWS:
        raise SystemExit(f"{target.name}: HTTP {response.status_code}, {len(edges)} rows: {answer}")
    return answer, len(response.content)


def document(target: Target) -> dict[str, Any]:
    """What the server answers: rows, bytes, errors, and how many fields came back masked."""
    answer, size = fetch_page(target)
    nodes = [edge["node"] for edge in answer["data"]["accounts"]["edges"]]
    fields = [value for node in nodes for value in node.values()]
    return {
        "rows": len(nodes),
        "bytes": size,
        "errors": len(answer.get("errors") or []),
        "masked_values": sum(1 for value in fields if isinstance(value, str) and "*" in value),
        "null_values": sum(1 for value in fields if value is None),
    }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LookupError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system time so far of the process (all its threads), or of one of its threads."""
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    fields = stat.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(target: Target, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """One phase: the peer's load.mjs against one server; its result, the server's CPU share
    and its memory afterwards."""
    env = {
        **os.environ,
        "URL": target.url,
        "DURATION": str(args.seconds),
        "CONCURRENCY": str(args.connections),
        "WARMUP": str(args.warmup),
        "TOKEN": target.token,
        "QUERY": QUERY,
        "LABEL": target.name,
        "JSON_OUT": str(out),
    }
    cpu_before, started = cpu_seconds(target.pid), time.monotonic()
    subprocess.run(
        ["node", str(PEER / "load.mjs")],
        env=env,
        check=True,
        timeout=args.warmup + args.seconds + 120,
        stdout=subprocess.DEVNULL,
    )
    busy = (cpu_seconds(target.pid) - cpu_before) / (time.monotonic() - started)
    result = json.loads(out.read_text())
    return {
        "requests": result["requests"],
        "duration_s": result["duration_s"],
        "rps": result["rps"],
        "p50_ms": result["latency_ms"]["p50"],
        "p90_ms": result["latency_ms"]["p90"],
        "p99_ms": result["latency_ms"]["p99"],
        "errors": result["errors"],
        "partial": result["partial_responses"],
        "avg_bytes": result["avg_response_bytes"],
        "server_cpu_percent": round(100 * busy, 1),
        # CPU time the server spent per answer: less moved by other work on the machine than
        # requests/s, as long as the server gets a core (warm-up and measured phase alike).
        "server_cpu_ms_per_request": round(1000 * busy / result["rps"], 2)
        if result["rps"]
        else None,
        "rss_mib": rss_mib(target.pid),
        "load_average": round(os.getloadavg()[0], 2),
    }


def phase_order(names: list[str], round_: int) -> list[str]:
    """Each round starts somewhere else, and every other round runs backwards."""
    shift = round_ // 2 % len(names)
    order = names[shift:] + names[:shift]
    return order[::-1] if round_ % 2 else order


def summarise(phases: list[dict[str, Any]], rss_start: float) -> dict[str, Any]:
    rss = [phase["rss_mib"] for phase in phases]
    return {
        "rps": round(sum(p["requests"] for p in phases) / sum(p["duration_s"] for p in phases), 1),
        # load.mjs reports percentiles per phase; these are their medians over the phases.
        "p50_ms": round(statistics.median(p["p50_ms"] for p in phases), 2),
        "p99_ms": round(statistics.median(p["p99_ms"] for p in phases), 2),
        "errors": sum(p["errors"] for p in phases),
        "partial": sum(p["partial"] for p in phases),
        "server_cpu_percent": round(statistics.median(p["server_cpu_percent"] for p in phases), 1),
        "server_cpu_ms_per_request": round(
            statistics.median(p["server_cpu_ms_per_request"] or 0 for p in phases), 2
        ),
        "rss_start_mib": rss_start,
        "rss_mib": rss,
        "rss_growth_mib": round(rss[-1] - rss_start, 1),
        # After the first phase the server is warm: growth from there on is what could leak.
        "rss_growth_after_first_phase_mib": round(rss[-1] - rss[0], 1),
    }


def ratios(servers: dict[str, dict[str, Any]], rounds: int) -> dict[str, Any]:
    found = {}
    for top, bottom, goal in (*RATIOS, *(BASELINE_RATIOS if "on@base" in servers else ())):
        per_round = [
            round(servers[top]["phases"][r]["rps"] / servers[bottom]["phases"][r]["rps"], 3)
            for r in range(rounds)
        ]
        found[f"{top}/{bottom}"] = {
            "ratio": round(servers[top]["rps"] / servers[bottom]["rps"], 3),
            "per_round": per_round,
            # The same ratio in requests per CPU-second of the server.
            "per_cpu_second": round(
                servers[bottom]["server_cpu_ms_per_request"]
                / servers[top]["server_cpu_ms_per_request"],
                3,
            ),
            "goal": round(goal, 3),
        }
    return found


@dataclass(frozen=True)
class Deployment:
    """A migrated database seeded with the peer's consent distribution, and its bench client."""

    env: dict[str, str]
    token: str
    data_dir: Path


@contextmanager
def deployed(database_url: str, people: int) -> Iterator[Deployment]:
    """A fresh database (PostgreSQL: created here and dropped at the end)."""
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-peer-"))
    settings = bench_settings(database_url, data_dir)
    env = server_env(settings)
    if database_url:
        asyncio.run(create_database(settings.resolved_database_url))
    try:
        migrate(env)
        token = asyncio.run(seed_database(settings, people, consents=peer_consent))
        yield Deployment(env, token, data_dir)
    finally:
        if database_url:
            asyncio.run(drop_database(settings.resolved_database_url))


def baseline_program(checkout: Path) -> Path:
    """The `consentql` command of a baseline checkout, in its own virtualenv."""
    return checkout / ".venv" / "bin" / "consentql"


@contextmanager
def consentql(deployment: Deployment, name: str, checkout: Path | None = None) -> Iterator[Target]:
    """`consentql serve --workers 1` with enforcement on or off (`name` "on" or "off", with
    "@base" for the baseline `checkout`)."""
    off = name.partition("@")[0] == "off"
    extra = {"CONSENTQL_CONSENT_ENFORCEMENT": "false"} if off else {}
    program = str(baseline_program(checkout)) if checkout else "consentql"
    log = deployment.data_dir / f"server-{name}.log"
    with serving({**deployment.env, **extra}, 1, log, program) as (url, process):
        yield Target(name, f"{url}/graphql", process.pid, deployment.token)


def run(args: argparse.Namespace) -> dict[str, Any]:
    ensure_peer_installed()
    with deployed(args.database_url, args.people) as deployment, ExitStack() as stack:
        data_dir = deployment.data_dir
        targets = {mode: stack.enter_context(consentql(deployment, mode)) for mode in ("on", "off")}
        if args.baseline:
            for name in BASELINE_SERVERS:
                targets[name] = stack.enter_context(consentql(deployment, name, args.baseline))
        rows = data_dir / "floor-rows.json"
        answer, _ = fetch_page(targets["off"])
        nodes = [edge["node"] for edge in answer["data"]["accounts"]["edges"]]
        rows.write_text(json.dumps(nodes, ensure_ascii=False), encoding="utf-8")
        targets["floor"] = stack.enter_context(floor_server(rows, data_dir / "floor.log"))
        for enforce in (True, False):
            target = stack.enter_context(peer_server(enforce, data_dir / f"peer-{enforce}.log"))
            targets[target.name] = target
        servers = measure(targets, args, data_dir)
    return {
        "benchmark": "peer",
        "backend": "postgres" if args.database_url else "sqlite",
        "people": args.people,
        "query": QUERY,
        "connections": args.connections,
        "seconds_per_phase": args.seconds,
        "warmup_seconds": args.warmup,
        "rounds": args.rounds,
        "baseline": str(args.baseline) if args.baseline else None,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "node": subprocess.run(
                ["node", "--version"], capture_output=True, text=True, check=True
            ).stdout.strip(),
        },
        "servers": servers,
        "ratios": ratios(servers, args.rounds),
    }


def measure(
    targets: dict[str, Target], args: argparse.Namespace, data_dir: Path
) -> dict[str, dict[str, Any]]:
    names = [name for name in (*SERVERS, *BASELINE_SERVERS) if name in targets]
    documents = {name: document(targets[name]) for name in names}
    rss_start = {name: rss_mib(targets[name].pid) for name in names}
    phases: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    total = args.rounds * len(names)
    for round_ in range(args.rounds):
        for name in phase_order(names, round_):
            result = drive(targets[name], args, data_dir / f"load-{name}-{round_}.json")
            phases[name].append({"round": round_, **result})
            done = sum(map(len, phases.values()))
            print(
                f"phase {done}/{total} {name:8} {result['rps']:7.1f} req/s"
                f"  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms"
                f"  errors {result['errors']}  server CPU {result['server_cpu_percent']:.0f}%"
                f"  RSS {result['rss_mib']:.0f} MiB  load {result['load_average']:.2f}",
                file=sys.stderr,
            )
    return {
        name: {
            "description": DESCRIPTIONS[name],
            "document": documents[name],
            **summarise(phases[name], rss_start[name]),
            "phases": phases[name],
        }
        for name in names
    }


def print_table(payload: dict[str, Any]) -> None:
    servers = payload["servers"]
    print(
        f"\n{payload['people']:,} people on {payload['backend']}, one process per server, "
        f"{payload['connections']} connections, {payload['rounds']} phases of "
        f"{payload['seconds_per_phase']:g} s per server (after {payload['warmup_seconds']:g} s "
        f"warm-up each)"
    )
    print(
        f"{'server':8} {'':34} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'CPU %':>6} {'CPU ms/req':>10} {'bytes':>6}  RSS MiB: start -> after each phase"
    )
    for name, row in servers.items():
        rss = " ".join(f"{value:.0f}" for value in row["rss_mib"])
        print(
            f"{name:8} {row['description']:34} {row['rps']:7.1f} {row['p50_ms']:8.2f} "
            f"{row['p99_ms']:8.2f} {row['errors']:6d} {row['server_cpu_percent']:6.0f} "
            f"{row['server_cpu_ms_per_request']:10.2f} "
            f"{row['document']['bytes']:6d}  {row['rss_start_mib']:.0f} -> {rss}"
            f" ({row['rss_growth_after_first_phase_mib']:+.1f} after the first phase)"
        )
    print()
    for label, ratio in payload["ratios"].items():
        rounds = ", ".join(f"{value:.3f}" for value in ratio["per_round"])
        verdict = "meets" if ratio["ratio"] >= ratio["goal"] else "below"
        print(
            f"req/s {label:12} {ratio['ratio']:7.3f}  (per round {rounds}; per CPU-second "
            f"{ratio['per_cpu_second']:.3f}; goal >= {ratio['goal']:.2f}: {verdict})"
        )


def chart(path: Path, payload: dict[str, Any]) -> Path | None:
    plt = pyplot()
    if plt is None:
        return None
    servers = payload["servers"]
    names = [f"{name}\n{textwrap.fill(row['description'], 18)}" for name, row in servers.items()]
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(14, 5))
    rps = [row["rps"] for row in servers.values()]
    throughput.bar(range(len(servers)), rps, color="tab:blue")
    for i, value in enumerate(rps):
        throughput.text(i, value, f"{value:.0f}", ha="center", va="bottom", fontsize=9)
    throughput.set_xticks(range(len(servers)), names, fontsize=7)
    throughput.set_ylabel("requests/s (one process)")
    throughput.set_title("throughput", fontsize=10)
    width = 0.4
    for offset, key in ((-width / 2, "p50_ms"), (width / 2, "p99_ms")):
        latency.bar(
            [i + offset for i in range(len(servers))],
            [row[key] for row in servers.values()],
            width,
            label=key.replace("_ms", ""),
        )
    latency.set_yscale("log")
    latency.set_xticks(range(len(servers)), names, fontsize=7)
    latency.set_ylabel("latency ms (log scale)")
    latency.set_title("latency", fontsize=10)
    latency.legend()
    ratio_text = "   ".join(f"{k} {v['ratio']:.3f}" for k, v in payload["ratios"].items())
    figure.suptitle(
        f"API client's 100-row list, {payload['backend']}, {payload['connections']} connections: "
        f"{ratio_text}",
        fontsize=10,
    )
    figure.tight_layout()
    target = path.with_suffix(".png")
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target


def load_parser(prog: str, doc: str | None, seconds: float) -> argparse.ArgumentParser:
    """The options of a run that seeds a database and drives a server with load.mjs."""
    parser = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seconds", type=float, default=seconds, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database that does not exist yet (created, then dropped)",
    )
    return parser


def checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """load.mjs's own limits, refused before anything is seeded."""
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 120 and 1 <= args.connections <= 100):
        parser.error("--seconds must be in (0, 600], --warmup in [0, 120], --connections in 1..100")
    return args


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = load_parser("python -m bench.peer", __doc__, seconds=10)
    parser.add_argument("--rounds", type=int, default=2, help="phases per server, alternated")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of consentql (with its .venv) to run on and off beside this one",
    )
    args = checked(parser, parser.parse_args(argv))
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be 1..20")
    if args.baseline and not baseline_program(args.baseline).exists():
        parser.error(f"--baseline: no {baseline_program(args.baseline)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    load_before = os.getloadavg()
    payload = run(args)
    payload["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print_table(payload)
    print(
        "load average (1, 5, 15 min) before "
        + " ".join(f"{v:.2f}" for v in load_before)
        + ", after "
        + " ".join(f"{v:.2f}" for v in payload["load_average"]["after"])
    )
    path = stem(f"peer-{payload['backend']}")
    print(f"\nwrote {write_json(path, payload)}")
    drawn = chart(path, payload)
    if drawn:
        print(f"wrote {drawn}")


if __name__ == "__main__":
    main()
