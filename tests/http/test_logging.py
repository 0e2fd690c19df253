"""Structured JSON logs: a request id on every line of a request, and never a phone number, an
email address or a token (P-SEC-1)."""

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from api.http.logging import (
    ACCESS_LOGGER,
    HANDLERS,
    console_handler,
    json_handler,
    log_config,
    redact,
)
from api.settings import LogFormat, Mode, Settings
from tests.conftest import LOGIN, admin_token, gql, register, sign_in

ME = "{ me { id phone email name company } }"
BROKEN = "{ me { id phone "


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, through the JSON handler `consentql serve` uses."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Tortoise at DEBUG logs every statement with its values: the harshest input there is.
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_p_sec_1_logs_hold_no_phone_email_or_token(
    client: httpx.AsyncClient, settings: Settings, captured: io.StringIO
) -> None:
    person = await register(client, 7)
    signed_in = await gql(
        client, LOGIN, {"input": {"login": person["phone"], "password": person["password"]}}
    )
    token = signed_in.data["login"]["token"]
    me = await gql(client, ME, token=token)
    assert me.data["me"]["email"] == person["email"]
    # Failures log too: a duplicate registration, a wrong password, a broken query.
    duplicate = await gql(
        client,
        "mutation($i: RegisterInput!) { register(input: $i) { id } }",
        {"i": {k: v for k, v in person.items() if k != "id"}},
    )
    assert duplicate.codes
    await gql(client, LOGIN, {"input": {"login": person["email"], "password": "wrong password"}})
    await gql(client, BROKEN, token=token)
    admin = await admin_token(client, settings)
    await gql(client, "{ accounts(first: 5) { edges { node { phone email } } } }", token=admin)

    text = captured.getvalue()
    assert text, "nothing was logged"
    for secret in (person["phone"], person["email"], token, admin, person["password"]):
        assert secret not in text
    records = lines(captured)
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)


async def test_every_request_logs_one_access_line_with_its_request_id(
    client: httpx.AsyncClient, captured: io.StringIO
) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }"})
    request_id = response.headers["x-request-id"]

    access = [record for record in lines(captured) if record["logger"] == ACCESS_LOGGER]
    assert len(access) == 1
    assert access[0]["request_id"] == request_id
    assert access[0]["status"] == 200
    assert access[0]["path"] == "/graphql"
    assert isinstance(access[0]["duration_ms"], float)


def test_p_sec_1_the_backstop_redacts_what_code_let_slip(captured: io.StringIO) -> None:
    logger = logging.getLogger("consentql.test")
    logger.warning(
        "user %s wrote from %s with Bearer %s, invited by %s",
        "13800138000",
        "zhang.san@example.com",
        "cqs_abcDEF123-_xyz",
        "cqi_Zyx987-_abc",
        extra={"cookie": "consentql_session=cqs_secret; other=1", "phone": "+86 138-0013-8000"},
    )
    try:
        raise ValueError("lookup failed for li.si@example.cn and 13912345678")
    except ValueError:
        logger.exception("failed")

    text = captured.getvalue()
    secrets = (
        "13800138000",
        "example.com",
        "cqs_",
        "cqi_",
        "example.cn",
        "13912345678",
        "138-0013",
    )
    for secret in secrets:
        assert secret not in text
    assert "[phone]" in text and "[email]" in text and "[token]" in text


def test_p_sec_2_the_backstop_drops_quoted_documents() -> None:
    excerpt = (
        "Syntax Error: Expected Name.\n\nGraphQL request:2:21\n"
        '1 | { login(password: "hunter2-secret", note: """liu.yang@e\n'
        '2 | xample.com""") { id \n  |                     ^\n\nDuring handling'
    )
    redacted = redact(excerpt)
    assert "hunter2" not in redacted and "xample" not in redacted
    assert redacted.endswith("GraphQL request:2:21 [document]\n\nDuring handling")


def test_redaction_spares_request_ids_and_ordinary_numbers() -> None:
    # A hex request id may hold eleven digits in a row; amounts and years are not phones.
    request_id = "a13912345678b0c0d0e0f0a0b0c0d0e0"
    kept = f"request {request_id} paid 2499.00 CNY in 2026"
    assert redact(kept) == kept


async def test_p_sec_2_no_log_line_carries_a_documents_literals_or_variables(
    client: httpx.AsyncClient, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents written with inline values, as people write them in GraphiQL: the expected
    refusals log nothing, an unexpected error logs its traceback without the document."""
    person = await register(client, 8)
    secrets = {"my-Secret-Pass-777", "王小明", "秘密科技有限公司", "liu.yang", "xample.com"}
    phone = person["phone"]
    wrong_password = (
        f'mutation {{ login(input: {{login: "{phone}", password: "my-Secret-Pass-777"}}) '
        "{ token } }"
    )
    taken = (
        f'mutation {{ register(input: {{phone: "{phone}", name: "王小明", email: "x@example.org", '
        'company: "秘密科技有限公司", password: "my-Secret-Pass-777"}) { id } }'
    )
    # graphql-core's excerpt of a broken document wraps the line: an email split across it
    # slipped past the pattern that redacts whole addresses.
    broken = '{ me(note: """liu.yang@e\nxample.com""") { id '
    unknown_field = '{ me { id secret(of: "my-Secret-Pass-777") } }'
    for document in (wrong_password, taken, broken, unknown_field):
        assert (await gql(client, document)).codes
    token = await sign_in(client, 9)

    def fails(*_args: object) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr("api.accounts.schema.update_profile", fails)
    unexpected = await gql(
        client,
        'mutation($c: String) { updateProfile(input: {name: "王小明", company: $c}) { id } }',
        {"c": "秘密科技有限公司"},
        token=token,
    )
    assert unexpected.codes == ["INTERNAL_SERVER_ERROR"]

    text = captured.getvalue()
    for secret in secrets | {person["phone"]}:
        assert secret not in text, secret
    [logged] = [line for line in lines(captured) if line["level"] == "ERROR"]
    assert logged["message"] == "unexpected error in a mutation at updateProfile"
    assert "internal detail" in text and "Traceback" in text


def test_json_lines_never_carry_uvicorns_colour_codes():
    stream = io.StringIO()
    logger = logging.getLogger("uvicorn.error.probe")
    handler = json_handler(stream)
    logger.addHandler(handler)
    try:
        # What uvicorn logs at start-up: the plain message, and the same with ANSI colours.
        logger.warning(
            "Uvicorn running on %s",
            "http://127.0.0.1:8000",
            extra={"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m"},
        )
    finally:
        logger.removeHandler(handler)
    [record] = lines(stream)
    assert "color_message" not in record and "\x1b" not in stream.getvalue()
    assert record["message"] == "Uvicorn running on http://127.0.0.1:8000"


def test_development_logs_to_the_console_and_production_in_json(tmp_path):
    assert Settings(data_dir=tmp_path).resolved_log_format is LogFormat.CONSOLE
    production = Settings(data_dir=tmp_path, mode=Mode.PRODUCTION)
    assert production.resolved_log_format is LogFormat.JSON
    chosen = Settings(data_dir=tmp_path, mode=Mode.PRODUCTION, log_format=LogFormat.CONSOLE)
    assert chosen.resolved_log_format is LogFormat.CONSOLE
    for log_format, handler in HANDLERS.items():
        config = log_config("INFO", log_format)
        assert config["handlers"]["stderr"]["()"].endswith(handler)


def test_console_lines_are_readable_and_redacted():
    stream = io.StringIO()
    handler = console_handler(stream)
    logger = logging.getLogger("consentql.probe")
    logger.addHandler(handler)
    try:
        logger.warning("sign-in for %s failed", "13800138000", extra={"color_message": "x"})
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert " WARNING consentql.probe [] sign-in for [phone] failed" in line
    assert not line.lstrip().startswith("{") and "13800138000" not in line
