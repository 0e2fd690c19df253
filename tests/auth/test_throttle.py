"""P-SEC-4: guessing passwords is throttled per login and per address, in every worker alike.

Time moves by the injected clock; nothing here sleeps.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from api.auth.throttle import LOGIN_RULE, DatabaseFailures, RedisFailures
from api.http.app import create_app
from models.accounts import LoginRecord
from models.throttle import SignInFailures
from tests.conftest import LOGIN, Clock, Outcome, gql, make_settings, outcome, register

REDIS_URL = "redis://127.0.0.1:6379/0"


@asynccontextmanager
async def http(app: Any, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as client:
        yield client


async def attempt(client: httpx.AsyncClient, login: str, password: str) -> Outcome:
    """(code or "OK", retryAfter) of one sign-in."""
    return outcome(await gql(client, LOGIN, {"input": {"login": login, "password": password}}))


async def failing_run(client: httpx.AsyncClient, clock: Clock, login: str) -> list[Any]:
    """Wrong passwords, as fast as allowed, until locked: every outcome, each delay waited out."""
    seen: list[Any] = []
    while True:
        seen.append(await attempt(client, login, "wrong password!"))
        code, retry_after = seen[-1]
        if code == "ACCOUNT_LOCKED":
            return seen
        if retry_after:
            clock.advance(seconds=retry_after)


async def fail_until_locked(client: httpx.AsyncClient, clock: Clock, login: str) -> None:
    """Failures five minutes apart, so no delay refuses one, until the lock."""
    for _ in range(LOGIN_RULE.lock_after):
        assert (await attempt(client, login, "wrong password!"))[0] == "INVALID_CREDENTIALS"
        clock.advance(minutes=5)


async def test_p_sec_4_failed_sign_ins_meet_growing_delays_then_a_lock(client, clock):
    person = await register(client)
    seen = await failing_run(client, clock, person["phone"])
    wrong = ("INVALID_CREDENTIALS", None)
    # Three free failures; after the 4th to the 9th, a wait of 1, 2, 4, ... 32 s; the 10th locks.
    assert seen == [
        *[wrong] * 4,
        *[
            step
            for seconds in (1, 2, 4, 8, 16, 32)
            for step in (("TOO_MANY_ATTEMPTS", seconds), wrong)
        ],
        ("ACCOUNT_LOCKED", 15 * 60),
    ]
    # Locked: even the right password is refused, before it is checked.
    assert await attempt(client, person["phone"], person["password"]) == ("ACCOUNT_LOCKED", 900)
    clock.advance(minutes=10)
    assert await attempt(client, person["phone"], person["password"]) == ("ACCOUNT_LOCKED", 300)
    clock.advance(minutes=5)
    assert await attempt(client, person["phone"], person["password"]) == ("OK", None)


async def test_p_sec_4_a_successful_sign_in_clears_its_logins_count(client, clock):
    person = await register(client)
    for _ in range(LOGIN_RULE.free_failures):
        await attempt(client, person["phone"], "wrong password!")
    assert await attempt(client, person["phone"], person["password"]) == ("OK", None)
    for _ in range(LOGIN_RULE.free_failures):
        assert await attempt(client, person["phone"], "wrong password!") == (
            "INVALID_CREDENTIALS",
            None,
        )


async def test_p_sec_4_a_run_of_failures_is_forgotten_after_a_day(client, clock):
    person = await register(client)
    await fail_until_locked(client, clock, person["phone"])
    assert (await attempt(client, person["phone"], "wrong password!"))[0] == "ACCOUNT_LOCKED"
    clock.advance(hours=24, seconds=1)
    assert await attempt(client, person["phone"], "wrong password!") == (
        "INVALID_CREDENTIALS",
        None,
    )
    # The count started again at one: three free failures, then a delay.
    assert await attempt(client, person["phone"], "wrong password!") == (
        "INVALID_CREDENTIALS",
        None,
    )


async def test_p_sec_4_an_unknown_login_is_throttled_exactly_like_a_known_one(client, clock):
    person = await register(client)
    known = await failing_run(client, clock, person["phone"])
    clock.advance(hours=2)  # the address's own count is forgotten after an hour
    unknown = await failing_run(client, clock, "13900139000")
    assert unknown == known
    assert await SignInFailures.filter(key__startswith="login:").count() == 2


async def test_p_sec_4_one_address_guessing_many_logins_is_throttled(db, settings, clock):
    app = create_app(settings, manage_database=False)
    async with http(app, "10.1.1.1") as guesser, http(app, "10.2.2.2") as bystander:
        for n in range(20):
            assert (await attempt(guesser, f"1390013{n:04d}", "password 123"))[0] == (
                "INVALID_CREDENTIALS"
            )
        assert await attempt(guesser, "13900139999", "password 123") == (
            "INVALID_CREDENTIALS",
            None,
        )
        # The 21st failure from the address: a fresh login does not help, another address does.
        assert await attempt(guesser, "13900138888", "password 123") == ("TOO_MANY_ATTEMPTS", 1)
        assert await attempt(bystander, "13900138888", "password 123") == (
            "INVALID_CREDENTIALS",
            None,
        )


async def test_p_sec_4_a_refused_attempt_checks_no_password(db, settings, clock):
    app = create_app(settings, manage_database=False)
    checked: list[str | None] = []
    passwords = app.state.runtime.passwords
    real_verify = passwords.verify

    async def verify(stored_hash: str | None, password: str) -> bool:
        checked.append(stored_hash)
        return await real_verify(stored_hash, password)

    passwords.verify = verify
    async with http(app) as client:
        await fail_until_locked(client, clock, "13900139000")
        assert len(checked) == LOGIN_RULE.lock_after
        assert (await attempt(client, "13900139000", "password 123"))[0] == "ACCOUNT_LOCKED"
    assert len(checked) == LOGIN_RULE.lock_after


async def test_p_sec_4_an_unknown_login_costs_one_argon2_verification_like_a_wrong_password(
    db, settings
):
    """No timing oracle, proved by structure instead of a stopwatch: both paths verify once,
    against an argon2id hash with the same parameters (the decoy for an unknown login).
    bench/login_timing.py measures the two."""
    app = create_app(settings, manage_database=False)
    passwords = app.state.runtime.passwords
    verified: list[str] = []

    class RecordingHasher:
        def __init__(self, hasher: PasswordHasher) -> None:
            self.hasher = hasher

        def verify(self, stored_hash: str, password: str) -> bool:
            verified.append(stored_hash)
            return self.hasher.verify(stored_hash, password)

    async with http(app) as client:
        person = await register(client)
        passwords._hasher = RecordingHasher(passwords._hasher)
        await attempt(client, person["phone"], "wrong password!")
        await attempt(client, "13900139000", "wrong password!")
    known, unknown = verified
    parameters = known.split("$")[:4]
    assert parameters[1] == "argon2id"
    assert unknown.split("$")[:4] == parameters
    assert unknown != known


async def shared_count_holds(first: httpx.AsyncClient, second: httpx.AsyncClient, login: str):
    """Failures alternate between two app instances; either refuses once the lock is reached."""
    for n in range(LOGIN_RULE.free_failures + 1):
        either = first if n % 2 else second
        assert (await attempt(either, login, "wrong password!"))[0] == "INVALID_CREDENTIALS"
    assert (await attempt(first, login, "wrong password!"))[0] == "TOO_MANY_ATTEMPTS"
    assert (await attempt(second, login, "wrong password!"))[0] == "TOO_MANY_ATTEMPTS"


async def test_p_sec_4_two_app_instances_share_the_count_through_the_database(
    db, tmp_path: Path, clock
):
    one = create_app(make_settings(tmp_path / "one"), manage_database=False)
    two = create_app(make_settings(tmp_path / "two"), manage_database=False)
    async with http(one) as first, http(two) as second:
        person = await register(first)
        await shared_count_holds(first, second, person["phone"])


async def redis_reachable() -> bool:
    redis = Redis.from_url(REDIS_URL)
    try:
        return bool(await redis.ping())
    except OSError:
        return False
    finally:
        await redis.aclose()


async def test_p_sec_4_two_app_instances_share_the_count_through_redis(db, tmp_path: Path, clock):
    if not await redis_reachable():
        pytest.skip(f"no Redis at {REDIS_URL}")
    apps = [
        create_app(make_settings(tmp_path / name, redis_url=REDIS_URL), manage_database=False)
        for name in ("one", "two")
    ]
    # A namespace of this test's own, so parallel runs on one Redis cannot meet.
    prefix = f"consentql-test:{uuid.uuid4().hex}:"
    stores = [RedisFailures(REDIS_URL, prefix) for _ in apps]
    for app, store in zip(apps, stores, strict=True):
        await app.state.runtime.throttle.store.close()
        app.state.runtime.throttle.store = store
    try:
        async with http(apps[0]) as first, http(apps[1]) as second:
            person = await register(first)
            await shared_count_holds(first, second, person["phone"])
        assert await SignInFailures.all().count() == 0  # nothing of it in the database
        clock.advance(minutes=10)
        async with http(apps[0]) as first:
            assert await attempt(first, person["phone"], person["password"]) == ("OK", None)
    finally:
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await asyncio.gather(*(store.close() for store in stores))


async def test_p_sec_4_concurrent_failures_are_all_counted(db, clock):
    store = DatabaseFailures()
    await asyncio.gather(*(store.add("login:x", clock.now, timedelta(hours=1)) for _ in range(20)))
    assert (await store.read(["login:x"]))["login:x"].count == 20


async def test_p_sec_4_p_collect_2_a_throttled_sign_in_is_recorded_and_does_not_extend_the_lock(
    client: httpx.AsyncClient, db: TortoiseContext, clock
):
    person = await register(client)
    await fail_until_locked(client, clock, person["phone"])
    row = await SignInFailures.get(key__startswith="login:")
    assert row.failures == LOGIN_RULE.lock_after
    attempts = await LoginRecord.all().count()
    await attempt(client, person["phone"], "wrong password!")
    await row.refresh_from_db()
    refused = await LoginRecord.all().order_by("-id").first()
    assert await LoginRecord.all().count() == attempts + 1
    assert refused is not None and not refused.success and refused.account_id is None
    # Refusals do not extend the lock: only failures that checked a password count.
    assert row.failures == LOGIN_RULE.lock_after
