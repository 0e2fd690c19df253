"""P-SEC-4: every check of a password outside sign-in (changing it, cancelling the account) is
throttled as a sign-in to that account is, and counts against it.

Time moves by the injected clock; nothing here sleeps.
"""

import httpx

from api.auth.throttle import LOGIN_RULE
from tests.conftest import LOGIN, Clock, Outcome, gql, outcome, sign_in

CHANGE_PASSWORD = """
mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }
"""
CANCEL = """
mutation($password: String!) { requestAccountCancellation(password: $password) { id } }
"""
RIGHT = "correct horse battery"
WRONG = "wrong password!"
PHONE, EMAIL = "13800130000", "zhang.san0@example.com"


async def change_password(client: httpx.AsyncClient, token: str, old: str) -> Outcome:
    variables = {"old": old, "new": "a new password 1"}
    return outcome(await gql(client, CHANGE_PASSWORD, variables, token=token))


async def cancel(client: httpx.AsyncClient, token: str, password: str) -> Outcome:
    return outcome(await gql(client, CANCEL, {"password": password}, token=token))


async def login(client: httpx.AsyncClient, identifier: str, password: str) -> Outcome:
    variables = {"input": {"login": identifier, "password": password}}
    return outcome(await gql(client, LOGIN, variables))


async def test_p_sec_4_wrong_old_passwords_in_a_row_are_throttled(client, clock):
    token = await sign_in(client)
    # Twelve wrong old passwords in a row, then the right one, as fast as the client can send.
    seen = [await change_password(client, token, WRONG) for _ in range(12)]
    assert seen == [("VALIDATION_FAILED", None)] * 4 + [("TOO_MANY_ATTEMPTS", 1)] * 8
    assert await change_password(client, token, RIGHT) == ("TOO_MANY_ATTEMPTS", 1)
    clock.advance(seconds=1)
    assert await change_password(client, token, RIGHT) == ("OK", None)


async def test_p_sec_4_guessing_through_change_password_locks_sign_in_by_phone_and_email(
    client, clock: Clock
):
    token = await sign_in(client)
    seen = [await change_password(client, token, WRONG)]
    while seen[-1][0] != "ACCOUNT_LOCKED":
        if seen[-1][1]:
            clock.advance(seconds=seen[-1][1])
        seen.append(await change_password(client, token, WRONG))
    # The very delays and lock of sign-in (tests/auth/test_throttle.py).
    wrong = ("VALIDATION_FAILED", None)
    assert seen == [
        *[wrong] * 4,
        *[
            step
            for seconds in (1, 2, 4, 8, 16, 32)
            for step in (("TOO_MANY_ATTEMPTS", seconds), wrong)
        ],
        ("ACCOUNT_LOCKED", 15 * 60),
    ]
    assert await login(client, PHONE, RIGHT) == ("ACCOUNT_LOCKED", 15 * 60)
    assert await login(client, EMAIL, RIGHT) == ("ACCOUNT_LOCKED", 15 * 60)
    assert await change_password(client, token, RIGHT) == ("ACCOUNT_LOCKED", 15 * 60)


async def test_p_sec_4_failed_sign_ins_hold_back_a_password_check(client, clock: Clock):
    token = await sign_in(client)
    for _ in range(LOGIN_RULE.lock_after):
        assert (await login(client, EMAIL, WRONG))[0] == "INVALID_CREDENTIALS"
        clock.advance(minutes=5)
    # Locked for 15 minutes from the last failure, five of which have passed.
    assert await change_password(client, token, RIGHT) == ("ACCOUNT_LOCKED", 10 * 60)
    assert await cancel(client, token, RIGHT) == ("ACCOUNT_LOCKED", 10 * 60)


async def test_p_sec_4_a_right_password_clears_the_logins_count_as_sign_in_does(
    client, clock: Clock
):
    token = await sign_in(client)
    for _ in range(LOGIN_RULE.free_failures):
        assert await change_password(client, token, WRONG) == ("VALIDATION_FAILED", None)
    assert await change_password(client, token, RIGHT) == ("OK", None)
    # Counted from nothing again: the free failures, then the one that starts the delays.
    for _ in range(LOGIN_RULE.free_failures + 1):
        assert await login(client, PHONE, WRONG) == ("INVALID_CREDENTIALS", None)
    assert (await login(client, PHONE, WRONG))[0] == "TOO_MANY_ATTEMPTS"


async def test_p_sec_4_cancellation_password_guesses_are_throttled(client, clock: Clock):
    token = await sign_in(client)
    seen = [await cancel(client, token, WRONG) for _ in range(6)]
    assert seen == [("VALIDATION_FAILED", None)] * 4 + [("TOO_MANY_ATTEMPTS", 1)] * 2
    assert await login(client, PHONE, RIGHT) == ("TOO_MANY_ATTEMPTS", 1)
    clock.advance(seconds=1)
    assert (await cancel(client, token, RIGHT))[0] == "OK"
