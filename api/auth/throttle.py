"""Throttling of everything that guesses (P-SEC-4): failed sign-ins per login and per client
address, and, with keys of their own, one-time codes asked for and entered.

Each failure after a few free ones makes the next attempt wait longer (1 s, 2 s, 4 s, ...), and
many in a row lock the key for a while. A throttled attempt is refused at once with the seconds to
wait (`extensions.retryAfter`), never by sleeping: a sleeping worker would be the attacker's tool.
The count lives in the database, or in Redis when `CONSENTQL_REDIS_URL` is set, so every worker
enforces the same one.

The login's key is its keyed hash, counted whether or not an account has that login, so neither
the refusal nor its timing tells which logins exist. A successful sign-in clears its login's
count but not its address's: signing in to one's own account must not reset the guessing of
others' passwords from the same address. Every other check of a password (changing it, cancelling
the account) counts against the account's own login keys, so guessing through it is guessing at
sign-in.

A key is a kind and a value ("login", keyed hash); each kind has its rule. Asking for a code is
counted per phone (each one sends a message to someone) and per address; entering a wrong one,
per phone.
"""

import math
from collections.abc import Sequence
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
# Each code asked for sends a message to someone's phone: three at once are free (one lost, one
# slow), then one a minute and doubling, and after ten, one an hour.
CODE_REQUEST_RULE = ThrottleRule(
    free_failures=3,
    first_delay=timedelta(minutes=1),
    max_delay=timedelta(minutes=30),
    lock_after=10,
    lock_for=timedelta(hours=1),
    forget_after=timedelta(hours=24),
)
# Codes asked for from one address, whatever the phones: an office registering its staff passes,
# a script sending codes to a list of numbers does not.
CODE_ADDRESS_RULE = ThrottleRule(
    free_failures=30,
    first_delay=timedelta(seconds=10),
    max_delay=timedelta(minutes=5),
    lock_after=100,
    lock_for=timedelta(hours=1),
    forget_after=timedelta(hours=1),
)
# Codes (and the details that go with them) refused for one phone or one account: a code dies
# after a few wrong tries, and this stops the next codes from being tried as fast.
CODE_ENTRY_RULE = ThrottleRule(
    free_failures=3,
    first_delay=timedelta(seconds=30),
    max_delay=timedelta(minutes=15),
    lock_after=10,
    lock_for=timedelta(hours=1),
    forget_after=timedelta(hours=24),
)

SIGN_IN_REFUSED = "too many failed sign-ins: try again later"
# (kind, value): "login" and "code-try" take a keyed hash, "ip" and "code-ip" an address,
# "profile" an account id.
Key = tuple[str, str]


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
        self._rules = {
            "login": login_rule,
            "ip": address_rule,
            "code": CODE_REQUEST_RULE,
            "code-ip": CODE_ADDRESS_RULE,
            "code-try": CODE_ENTRY_RULE,
            "profile": CODE_ENTRY_RULE,
        }

    @staticmethod
    def sign_in_keys(login_hashes: Sequence[str], address: str | None) -> list[Key]:
        """The keys a password check counts against: each login of the account, the address."""
        return [("login", login) for login in login_hashes] + ([("ip", address)] if address else [])

    async def check(self, login_hash: str, address: str | None) -> None:
        """Refuses, before any password is looked at, while either key must wait."""
        await self.refuse_while_waiting(self.sign_in_keys([login_hash], address), SIGN_IN_REFUSED)

    async def failed(self, login_hash: str, address: str | None) -> None:
        await self.count(self.sign_in_keys([login_hash], address))

    async def succeeded(self, login_hash: str) -> None:
        await self.forget([("login", login_hash)])

    async def refuse_while_waiting(self, keys: Sequence[Key], message: str) -> None:
        """Refuses while any of `keys` must wait, with the longest wait among them."""
        rules = {f"{kind}:{value}": self._rules[kind] for kind, value in keys}
        now = utcnow()
        refusals: list[tuple[datetime, ErrorCode]] = []
        for key, failures in (await self.store.read(list(rules))).items():
            rule = rules[key]
            until = rule.blocked_until(failures.count, failures.last_at)
            if until is not None and until > now:
                locked = key.startswith("login:") and rule.locks(failures.count)
                code = ErrorCode.ACCOUNT_LOCKED if locked else ErrorCode.TOO_MANY_ATTEMPTS
                refusals.append((until, code))
        if not refusals:
            return
        until, code = max(refusals)
        raise ApiError(code, message, retryAfter=max(1, math.ceil((until - now).total_seconds())))

    async def count(self, keys: Sequence[Key]) -> None:
        now = utcnow()
        for kind, value in keys:
            await self.store.add(f"{kind}:{value}", now, self._rules[kind].forget_after)

    async def forget(self, keys: Sequence[Key]) -> None:
        for kind, value in keys:
            await self.store.clear(f"{kind}:{value}")
