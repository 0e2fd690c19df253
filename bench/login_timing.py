"""Sign-in timing: an unknown login against a wrong password, end to end, with production argon2.

The test suite proves the two paths alike by structure (both verify once against an argon2id hash
of the same parameters, tests/auth/test_throttle.py); this measures them. The app runs in
this process over a temporary SQLite file; each attempt comes from its own client address, and
each account takes at most the throttle's free failures, so no refusal shortens a sample.

    python -m bench.login_timing --samples 60
"""

import argparse
import asyncio
import base64
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from tortoise.contrib.test import tortoise_test_context

from api.accounts.service import register
from api.auth.passwords import Passwords
from api.auth.throttle import LOGIN_RULE
from api.http.app import create_app
from api.settings import Settings
from models import MODEL_MODULES

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"


async def attempt(app: object, n: int, login: str) -> float:
    transport = httpx.ASGITransport(app=app, client=(f"10.9.{n // 250}.{n % 250 + 1}", 4000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        started = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"i": {"login": login, "password": "wrong guess 123"}},
            },
        )
        elapsed = time.perf_counter() - started
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_CREDENTIALS", error
    return elapsed


async def measure(samples: int) -> dict[str, list[float]]:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-timing-"))
    settings = Settings(
        data_dir=data_dir, master_key=base64.b64encode(secrets.token_bytes(32)).decode()
    )
    async with tortoise_test_context(MODEL_MODULES, db_url=f"sqlite://{data_dir / 'db.sqlite3'}"):
        app = create_app(settings, manage_database=False)
        accounts = (samples + LOGIN_RULE.free_failures - 1) // LOGIN_RULE.free_failures
        # Made as the operator makes them: registering through the API needs the code sent to
        # each phone, which is not what this measures.
        passwords = Passwords(settings)
        for n in range(accounts):
            await register(
                passwords,
                phone=f"1370013{n:04d}",
                email=f"timing{n}@example.com",
                name="计时",
                company="计时有限公司",
                secret="the right password",
            )
        times: dict[str, list[float]] = {"wrong password": [], "unknown login": []}
        for n in range(samples):
            # Alternating, so drift in the machine's load falls on both alike.
            known = f"1370013{n // LOGIN_RULE.free_failures:04d}"
            times["wrong password"].append(await attempt(app, 2 * n, known))
            times["unknown login"].append(await attempt(app, 2 * n + 1, f"1360013{n:04d}"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.login_timing", description=__doc__)
    parser.add_argument(
        "--samples", type=int, default=60, choices=range(5, 1001), metavar="5..1000"
    )
    times = asyncio.run(measure(parser.parse_args().samples))
    for label, values in times.items():
        print(
            f"{label:15} median {statistics.median(values) * 1000:7.1f} ms  "
            f"p90 {sorted(values)[int(0.9 * len(values))] * 1000:7.1f} ms  (n={len(values)})"
        )
    ratio = statistics.median(times["unknown login"]) / statistics.median(times["wrong password"])
    print(f"median unknown / wrong: {ratio:.3f}")


if __name__ == "__main__":
    main()
