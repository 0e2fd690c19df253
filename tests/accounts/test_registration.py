"""P-SEC-4: registering proves the phone with a one-time code, and nothing in it tells whether a
phone or an email has an account.

Time moves by the injected clock; nothing here sleeps.
"""

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.context import TortoiseContext

import api.accounts.registration
from api.accounts.phone_codes import CODE_LIFETIME, MAX_WRONG_TRIES
from api.accounts.taken import NOT_ACCEPTED
from api.auth.throttle import CODE_ADDRESS_RULE, CODE_ENTRY_RULE, CODE_REQUEST_RULE
from api.http.app import create_app
from api.privacy import retention
from models.accounts import Account, phone_lookup
from models.keys import DataKey
from models.phone_codes import PhoneCode
from models.privacy import OutboxMessage
from tests.conftest import (
    REGISTER,
    REQUEST_CODE,
    Clock,
    gql,
    make_settings,
    outcome,
    person,
    register,
    registration_code,
    registration_input,
)

NOTICES = "{ myNotifications { edges { node { topic channel title body } } } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token } }"


async def ask(client: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    return dict(await gql(client, REQUEST_CODE, {"phone": phone}))


async def try_register(client: httpx.AsyncClient, details: dict[str, str]) -> dict[str, Any]:
    return dict(await gql(client, REGISTER, {"input": details}))


async def notices_of(client: httpx.AsyncClient, n: int) -> list[dict[str, str]]:
    details = person(n)
    login = {"login": details["phone"], "password": details["password"]}
    token = (await gql(client, LOGIN, {"input": login})).data["login"]["token"]
    result = await gql(client, NOTICES, token=token)
    return [edge["node"] for edge in result.data["myNotifications"]["edges"]]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_p_sec_4_registering_needs_the_code_sent_to_the_phone(client):
    details = person()
    asked = await ask(client, details["phone"])
    assert asked == {"data": {"requestRegistrationCode": {"expiresInSeconds": 600}}}
    code = await registration_code(details["phone"])
    wrong = await try_register(client, {**details, "code": other_code(code)})
    assert wrong["errors"][0]["extensions"] == {"code": "INVALID_CREDENTIALS"}
    assert wrong["errors"][0]["message"] == NOT_ACCEPTED
    assert await Account.all().count() == 0
    right = await try_register(client, {**details, "code": code})
    assert right["data"]["register"]["phone"] == details["phone"]
    # The number is proven: its code and its requests start from nothing again.
    assert await Account.filter(phone_hash=phone_lookup(details["phone"])).exists()


async def test_p_sec_4_without_a_code_asked_for_nobody_registers(client):
    result = await try_register(client, {**person(), "code": "123456"})
    assert outcome(result) == ("INVALID_CREDENTIALS", None)
    assert await Account.all().count() == 0


async def test_p_sec_4_a_code_request_is_answered_alike_for_a_taken_phone(client):
    taken = await register(client)
    free = person(1)
    answers = [await ask(client, taken["phone"]), await ask(client, free["phone"])]
    assert answers[0] == answers[1]
    assert answers[0] == {"data": {"requestRegistrationCode": {"expiresInSeconds": 600}}}
    # A code was made for the taken number as for any (so it is tried, and dies, alike) but
    # sent to nobody: its holder was told instead, by SMS.
    [unsent] = await PhoneCode.filter(phone_hash=phone_lookup(taken["phone"]), used_at=None)
    assert not await OutboxMessage.filter(phone_code_id=unsent.id).exists()
    assert await notices_of(client, 0) == [
        {
            "topic": "SECURITY",
            "channel": "SMS",
            "title": "Someone tried to register with your number",
            "body": "Someone asked for a code to register a new account with this phone number, "
            "which already has an account: yours. No code was sent and nothing was changed.",
        }
    ]
    # Nothing that anyone can type registers the taken number again; it is refused as a wrong
    # code for a free number is.
    refused = await try_register(client, {**person(0, email="new@example.com"), "code": "123456"})
    wrong = await try_register(
        client, {**free, "code": other_code(await registration_code(free["phone"]))}
    )
    assert refused["errors"] == wrong["errors"]
    assert await Account.all().count() == 1


async def test_p_sec_4_a_taken_email_is_refused_like_a_wrong_code_and_its_holder_told(client):
    holder = await register(client)
    newcomer = await registration_input(client, 1, email=holder["email"].upper())
    taken = await try_register(client, newcomer)
    wrong = await try_register(client, {**newcomer, "code": other_code(newcomer["code"])})
    assert taken["errors"][0]["extensions"] == wrong["errors"][0]["extensions"]
    assert taken["errors"][0]["message"] == wrong["errors"][0]["message"] == NOT_ACCEPTED
    [notice] = await notices_of(client, 0)
    assert (notice["topic"], notice["channel"]) == ("SECURITY", "EMAIL")
    assert notice["title"] == "Someone tried to register with your email address"
    # The code was spent by the attempt: it cannot go on to test another email.
    another = await try_register(client, {**newcomer, "email": "li.si@example.com"})
    assert outcome(another) == ("INVALID_CREDENTIALS", None)
    assert await Account.all().count() == 1
    # A new code, with an email of their own, registers.
    fresh = await registration_input(client, 1)
    assert outcome(await try_register(client, fresh)) == ("OK", None)


async def test_p_sec_4_a_unique_index_conflict_is_refused_alike_and_spends_the_code(
    client, monkeypatch: pytest.MonkeyPatch
):
    """Two registrations racing with one email: the one the unique index stops answers as any
    refusal, with no database message, and its code stays spent."""
    holder = await register(client)

    async def missed(*args: Any, **kwargs: Any) -> bool:
        return False  # as if the other registration committed just after the check

    monkeypatch.setattr(api.accounts.registration, "tell_email_holder", missed)
    racing = await registration_input(client, 1, email=holder["email"])
    result = await try_register(client, racing)
    assert result["errors"][0]["extensions"] == {"code": "INVALID_CREDENTIALS"}
    assert result["errors"][0]["message"] == NOT_ACCEPTED
    assert await Account.all().count() == 1
    [code] = await PhoneCode.filter(phone_hash=phone_lookup(racing["phone"]))
    assert code.used_at is not None


async def test_p_sec_4_a_code_is_kept_only_as_a_keyed_hash_and_dies_when_used(client):
    details = person()
    await ask(client, details["phone"])
    code = await registration_code(details["phone"])
    row = await PhoneCode.get().select_related("data_key")
    message = await OutboxMessage.get(phone_code_id=row.id)
    stored = [row.code_hash or "", str(row.phone_sealed), str(message.body_sealed)]
    assert not any(code in value or details["phone"] in value for value in stored)
    assert row.phone == details["phone"]
    assert outcome(await try_register(client, {**details, "code": code})) == ("OK", None)
    used = await PhoneCode.get(id=row.id).select_related("data_key")
    assert used.used_at is not None and used.data_key.wrapped is None
    assert used.phone is None
    message = await OutboxMessage.get(id=message.id).select_related("phone_code__data_key")
    assert message.body is None


async def test_p_sec_4_a_code_lives_ten_minutes_then_is_swept(client, clock: Clock):
    details = person()
    await ask(client, details["phone"])
    code = await registration_code(details["phone"])
    clock.advance(seconds=CODE_LIFETIME.total_seconds())
    assert outcome(await try_register(client, {**details, "code": code})) == (
        "INVALID_CREDENTIALS",
        None,
    )
    # The next request sweeps the expired code away, its key and its message with it.
    expired = await PhoneCode.get()
    await ask(client, person(1)["phone"])
    assert not await PhoneCode.filter(id=expired.id).exists()
    assert not await DataKey.filter(id=expired.data_key_id).exists()
    assert not await OutboxMessage.filter(phone_code_id=expired.id).exists()


async def test_p_sec_4_the_retention_run_sweeps_codes_when_nobody_asks_for_one(
    client, clock: Clock
):
    await ask(client, person()["phone"])
    clock.advance(seconds=CODE_LIFETIME.total_seconds())
    plan = await retention.make_plan(clock.now)
    assert (await retention.preview(clock.now, plan)).counts[retention.PHONE_CODES] == 1
    done = await retention.execute(clock.now, plan, lambda: None)
    assert done.counts[retention.PHONE_CODES] == 1
    assert await PhoneCode.all().count() == await OutboxMessage.all().count() == 0
    assert await DataKey.all().count() == 0


async def test_p_sec_4_a_new_code_ends_the_one_before(client):
    details = person()
    await ask(client, details["phone"])
    first = await registration_code(details["phone"])
    await ask(client, details["phone"])
    second = await registration_code(details["phone"])
    if first != second:
        assert outcome(await try_register(client, {**details, "code": first}))[0] != "OK"
    assert outcome(await try_register(client, {**details, "code": second})) == ("OK", None)


async def test_p_sec_4_a_code_dies_after_three_wrong_tries(client, clock: Clock):
    details = person()
    await ask(client, details["phone"])
    code = await registration_code(details["phone"])
    for _ in range(MAX_WRONG_TRIES):
        await try_register(client, {**details, "code": other_code(code)})
    clock.advance(hours=1)  # no throttle delay stands in the way
    assert outcome(await try_register(client, {**details, "code": code})) == (
        "INVALID_CREDENTIALS",
        None,
    )
    assert (await PhoneCode.get().select_related("data_key")).phone is None


async def test_p_sec_4_wrong_codes_are_throttled_per_phone(client, clock: Clock):
    details = person()
    await ask(client, details["phone"])
    seen = [
        outcome(await try_register(client, {**details, "code": "000000"}))
        for _ in range(CODE_ENTRY_RULE.free_failures + 2)
    ]
    delay = int(CODE_ENTRY_RULE.first_delay.total_seconds())
    assert seen == [("INVALID_CREDENTIALS", None)] * (CODE_ENTRY_RULE.free_failures + 1) + [
        ("TOO_MANY_ATTEMPTS", delay)
    ]
    # Refused before the code is looked at, also the right one of a new code.
    await ask(client, details["phone"])
    fresh = {**details, "code": await registration_code(details["phone"])}
    assert outcome(await try_register(client, fresh)) == ("TOO_MANY_ATTEMPTS", delay)
    clock.advance(seconds=delay)
    assert outcome(await try_register(client, fresh)) == ("OK", None)


async def test_p_sec_4_code_requests_are_throttled_per_phone_taken_or_not(client, clock: Clock):
    await register(client)
    runs = []
    for phone in (person(0)["phone"], person(1)["phone"]):
        seen = [
            outcome(await ask(client, phone)) for _ in range(CODE_REQUEST_RULE.free_failures + 2)
        ]
        runs.append(seen)
    delay = int(CODE_REQUEST_RULE.first_delay.total_seconds())
    assert (
        runs[0]
        == runs[1]
        == [("OK", None)] * (CODE_REQUEST_RULE.free_failures + 1) + [("TOO_MANY_ATTEMPTS", delay)]
    )


async def test_p_sec_4_code_requests_are_throttled_per_address(client, settings, clock: Clock):
    allowed = CODE_ADDRESS_RULE.free_failures + 1
    seen = [outcome(await ask(client, f"1390013{n:04d}")) for n in range(allowed + 1)]
    delay = int(CODE_ADDRESS_RULE.first_delay.total_seconds())
    assert seen == [("OK", None)] * allowed + [("TOO_MANY_ATTEMPTS", delay)]
    # Another address is not held back by this one.
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as other:
        assert outcome(await ask(other, "13900139999")) == ("OK", None)


async def test_p_sec_4_in_development_the_code_is_printed_never_logged(
    client, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
):
    details = person()
    with caplog.at_level(logging.DEBUG):
        await ask(client, details["phone"])
    code = await registration_code(details["phone"])
    printed = capsys.readouterr().out
    assert details["phone"] in printed and code in printed
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert details["phone"] not in logged and code not in logged


async def test_p_sec_4_in_production_no_code_is_printed(
    db: TortoiseContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    app = create_app(make_settings(tmp_path, mode="production"), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://consentql.test") as http:
        await ask(http, person()["phone"])
    code = await registration_code(person()["phone"])
    printed = capsys.readouterr()
    assert code not in printed.out and code not in printed.err
