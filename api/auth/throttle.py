"""Sign-in throttling (P-SEC-4): failed sign-ins per login and per client address.

Each failure after a few free ones makes the next attempt wait longer (1 s, 2 s, 4 s, ...), and
many in a row lock the key for a while. A throttled attempt is refused at once with the seconds to
wait (`extensions.retryAfter`), never by sleeping: a sleeping worker would be the attacker's tool.
The count lives in the database, or in Redis when `CONSENTQL_REDIS_URL` is set, so every worker
enforces the same one.

The login's key is its keyed hash, counted whether or not an account has that login, so neither
the refusal nor its timing tells which logins exist. A successful sign-in clears its login's
count but not its address's: signing in to one's own account must not reset the guessing of
others' passwords from the same address.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis

from api.errors import ApiError, ErrorCode
from models.clock import utcnow
from models.throttle import SignInFailures


@dataclass(frozen=True)
class ThrottleRule:
    free_failures: int
    first_delay: timedelta
    max_delay: timedelta
    lock_after: int
    lock_for: timedelta
    # A run of failures this far apart is over: the next failure counts as the first.
    forget_after: timedelta

    def blocked_until(self, failures: int, last_failure_at: datetime) -> datetime | None:
        if failures >= self.lock_after:
            return last_failure_at + self.lock_for
        if failures > self.free_failures:
            doubling = 2 ** min(failures - self.free_failures - 1, 30)
            return last_failure_at + min(self.first_delay * doubling, self.max_delay)
        return None

    def locks(self, failures: int) -> bool:
        return failures >= self.lock_after


# A person mistyping gets three tries free; a guesser gets ten per lock, then one per lock.
LOGIN_RULE = ThrottleRule(
    free_failures=3,
    first_delay=timedelta(seconds=1),
    max_delay=timedelta(minutes=5),
    lock_after=10,
    lock_for=timedelta(minutes=15),
    forget_after=timedelta(hours=24),
)
# Many people can share one address (an office, a carrier's NAT): looser, but it still stops one
# address from spraying a common password over many logins.
ADDRESS_RULE = ThrottleRule(
    free_failures=20,
    first_delay=timedelta(seconds=1),
    max_delay=timedelta(minutes=1),
    lock_after=100,
    lock_for=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: datetime


class FailureStore(Protocol):
    async def read(self, keys: list[str]) -> dict[str, Failures]: ...

    async def add(self, key: str, now: datetime, forget_after: timedelta) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class DatabaseFailures:
    async def read(self, keys: list[str]) -> dict[str, Failures]:
        rows = await SignInFailures.filter(key__in=keys)
        return {row.key: Failures(row.failures, row.last_failure_at) for row in rows}

    async def add(self, key: str, now: datetime, forget_after: timedelta) -> None:
        await SignInFailures.add_failure(key, now, forget_after)

    async def clear(self, key: str) -> None:
        await SignInFailures.clear(key)

    async def close(self) -> None:
        return None


# Atomic in Redis: restart a stale run, count one more, remember when. The TTL only tidies up.
_ADD_FAILURE = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '')
local now = tonumber(ARGV[1])
local failures = 1
if last and now - last <= tonumber(ARGV[2]) then
  failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) + 1
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return failures
"""


class RedisFailures:
    def __init__(self, url: str, prefix: str = "consentql:sign-in:") -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._add_failure = self._redis.register_script(_ADD_FAILURE)

    async def read(self, keys: list[str]) -> dict[str, Failures]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(self._prefix + key, "failures", "last")
            replies = await pipe.execute()
        return {
            key: Failures(int(failures), datetime.fromtimestamp(float(last), UTC))
            for key, (failures, last) in zip(keys, replies, strict=True)
            if failures is not None and last is not None
        }

    async def add(self, key: str, now: datetime, forget_after: timedelta) -> None:
        seconds = forget_after.total_seconds()
        await self._add_failure(
            keys=[self._prefix + key], args=[now.timestamp(), seconds, math.ceil(seconds)]
        )

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()


def failure_store(redis_url: str) -> FailureStore:
    return RedisFailures(redis_url) if redis_url else DatabaseFailures()


class SignInThrottle:
    def __init__(
        self,
        store: FailureStore,
        login_rule: ThrottleRule = LOGIN_RULE,
        address_rule: ThrottleRule = ADDRESS_RULE,
    ) -> None:
        self.store = store
        self._rules = {"login": login_rule, "ip": address_rule}

    def _keys(self, login_hash: str, address: str | None) -> dict[str, ThrottleRule]:
        keys = {f"login:{login_hash}": self._rules["login"]}
        if address:
            keys[f"ip:{address}"] = self._rules["ip"]
        return keys

    async def check(self, login_hash: str, address: str | None) -> None:
        """Refuses, before any password is looked at, while either key must wait."""
        keys = self._keys(login_hash, address)
        now = utcnow()
        refusals: list[tuple[datetime, ErrorCode]] = []
        for key, failures in (await self.store.read(list(keys))).items():
            rule = keys[key]
            until = rule.blocked_until(failures.count, failures.last_at)
            if until is not None and until > now:
                locked = key.startswith("login:") and rule.locks(failures.count)
                code = ErrorCode.ACCOUNT_LOCKED if locked else ErrorCode.TOO_MANY_ATTEMPTS
                refusals.append((until, code))
        if not refusals:
            return
        until, code = max(refusals)
        raise ApiError(
            code,
            "too many failed sign-ins: try again later",
            retryAfter=max(1, math.ceil((until - now).total_seconds())),
        )

    async def failed(self, login_hash: str, address: str | None) -> None:
        now = utcnow()
        for key, rule in self._keys(login_hash, address).items():
            await self.store.add(key, now, rule.forget_after)

    async def succeeded(self, login_hash: str) -> None:
        await self.store.clear(f"login:{login_hash}")
