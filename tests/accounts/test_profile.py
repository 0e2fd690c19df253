"""P-SEC-4, P-RIGHTS-2: a person moves their account to a new phone only with the code sent to
it, and correcting one's details never tells whether a phone or an email has another account.

Time moves by the injected clock; nothing here sleeps.
"""

from typing import Any

import httpx
import pytest

import api.accounts.service
from api.accounts.taken import NOT_ACCEPTED
from api.auth.throttle import CODE_ENTRY_RULE
from tests.conftest import LOGIN, Clock, gql, person, registration_code, sign_in

REQUEST_CHANGE_CODE = """
mutation($phone: String!) { requestPhoneChangeCode(phone: $phone) { expiresInSeconds } }
"""
UPDATE = """
mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { phone email name } }
"""
ME = "{ me { phone email name } }"
NOTICES = "{ myNotifications { edges { node { topic channel title } } } }"
NEW_PHONE = "13900139001"


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    [error] = result["errors"]
    return {"message": error["message"], "extensions": error["extensions"]}


async def ask(client: httpx.AsyncClient, token: str, phone: str) -> dict[str, Any]:
    return dict(await gql(client, REQUEST_CHANGE_CODE, {"phone": phone}, token=token))


async def update(client: httpx.AsyncClient, token: str, **changes: str) -> dict[str, Any]:
    return dict(await gql(client, UPDATE, {"input": changes}, token=token))


async def me(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    return (await gql(client, ME, token=token)).data["me"]


async def test_p_sec_4_a_new_phone_needs_the_code_sent_to_it(client):
    token = await sign_in(client)
    assert await ask(client, token, NEW_PHONE) == {
        "data": {"requestPhoneChangeCode": {"expiresInSeconds": 600}}
    }
    code = await registration_code(NEW_PHONE)
    without = await update(client, token, phone=NEW_PHONE)
    assert error_of(without)["extensions"] == {"code": "VALIDATION_FAILED", "field": "phoneCode"}
    wrong = await update(client, token, phone=NEW_PHONE, phoneCode=f"{(int(code) + 1) % 10**6:06d}")
    assert error_of(wrong) == {
        "message": NOT_ACCEPTED,
        "extensions": {"code": "INVALID_CREDENTIALS"},
    }
    assert (await me(client, token))["phone"] == person()["phone"]
    moved = await update(client, token, phone=NEW_PHONE, phoneCode=code, name="张三丰")
    assert moved["data"]["updateProfile"]["phone"] == NEW_PHONE
    login = {"login": NEW_PHONE, "password": person()["password"]}
    assert not (await gql(client, LOGIN, {"input": login})).get("errors")
    # Spent: it cannot move another account.
    other = await sign_in(client, 1)
    again = await update(client, other, phone=NEW_PHONE, phoneCode=code)
    assert error_of(again)["extensions"] == {"code": "INVALID_CREDENTIALS"}


async def test_p_sec_4_a_code_moves_only_the_account_that_asked_for_it(client):
    asker = await sign_in(client)
    other = await sign_in(client, 1)
    await ask(client, asker, NEW_PHONE)
    code = await registration_code(NEW_PHONE)
    stolen = await update(client, other, phone=NEW_PHONE, phoneCode=code)
    assert error_of(stolen)["extensions"] == {"code": "INVALID_CREDENTIALS"}
    assert not (await update(client, asker, phone=NEW_PHONE, phoneCode=code)).get("errors")


async def test_p_sec_4_another_accounts_phone_is_refused_as_a_wrong_code_is(client):
    holder = await sign_in(client)
    mover = await sign_in(client, 1)
    answers = [await ask(client, mover, person()["phone"]), await ask(client, mover, NEW_PHONE)]
    assert answers[0] == answers[1]
    taken = await update(client, mover, phone=person()["phone"], phoneCode="123456")
    free_code = await registration_code(NEW_PHONE)
    wrong = await update(
        client, mover, phone=NEW_PHONE, phoneCode=f"{(int(free_code) + 1) % 10**6:06d}"
    )
    assert error_of(taken) == error_of(wrong)
    assert (await me(client, mover))["phone"] == person(1)["phone"]
    notices = (await gql(client, NOTICES, token=holder)).data["myNotifications"]["edges"]
    assert [edge["node"] for edge in notices] == [
        {
            "topic": "SECURITY",
            "channel": "SMS",
            "title": "Someone tried to move your number to another account",
        }
    ]


async def test_p_sec_4_the_own_phone_is_no_change_and_needs_no_code(client):
    token = await sign_in(client)
    same = await update(client, token, phone=person()["phone"], name="张三丰")
    assert same["data"]["updateProfile"] == {
        "phone": person()["phone"],
        "email": person()["email"],
        "name": "张三丰",
    }


async def test_p_sec_4_another_accounts_email_is_refused_without_saying_so(client, clock: Clock):
    holder = await sign_in(client)
    mover = await sign_in(client, 1)
    seen = [
        await update(client, mover, email=person()["email"].upper())
        for _ in range(CODE_ENTRY_RULE.free_failures + 2)
    ]
    delay = int(CODE_ENTRY_RULE.first_delay.total_seconds())
    refusal = {"message": NOT_ACCEPTED, "extensions": {"code": "INVALID_CREDENTIALS"}}
    assert [error_of(result) for result in seen[:-1]] == [refusal] * (
        CODE_ENTRY_RULE.free_failures + 1
    )
    assert error_of(seen[-1])["extensions"] == {"code": "TOO_MANY_ATTEMPTS", "retryAfter": delay}
    assert (await me(client, mover))["email"] == person(1)["email"]
    notices = (await gql(client, NOTICES, token=holder)).data["myNotifications"]["edges"]
    assert {edge["node"]["title"] for edge in notices} == {
        "Someone tried to use your email address for another account"
    }
    assert {edge["node"]["channel"] for edge in notices} == {"EMAIL"}
    # A free email still changes (once the wait is over).
    clock.advance(seconds=delay)
    assert not (await update(client, mover, email="zhang.new@example.com")).get("errors")


async def test_p_sec_4_a_unique_index_conflict_is_refused_alike_and_leaks_nothing(
    client, monkeypatch: pytest.MonkeyPatch
):
    """Two people saving one email at once: the one the unique index stops answers as any
    refusal, with no database message."""
    await sign_in(client)
    mover = await sign_in(client, 1)

    async def missed(*args: Any, **kwargs: Any) -> bool:
        return False  # as if the other change committed just after the check

    monkeypatch.setattr(api.accounts.service, "tell_email_holder", missed)
    result = await update(client, mover, email=person()["email"], name="李四")
    assert error_of(result) == {
        "message": NOT_ACCEPTED,
        "extensions": {"code": "INVALID_CREDENTIALS"},
    }
    assert await me(client, mover) == {
        "phone": person(1)["phone"],
        "email": person(1)["email"],
        "name": "张三",
    }
