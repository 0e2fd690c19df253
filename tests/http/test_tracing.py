"""OpenTelemetry tracing: spans with the shape of each request and operation, and never a
literal of the document, a variable or personal data (P-SEC-1)."""

import json

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from starlette.applications import Starlette

from api.http.app import create_app
from api.settings import ConfigurationError, Tracing
from tests.conftest import make_settings, person, registration_code

PHONE, EMAIL, PASSWORD = "13912345678", "li.na@example.com", "a long secret 2026"
NAME, COMPANY = "李娜", "华信科技有限公司"
# Literals in the document itself, as GraphiQL users write them.
INLINE_CODE = (
    f'mutation Code {{ requestRegistrationCode(phone: "{PHONE}") {{ expiresInSeconds }} }}'
)
INLINE_REGISTER = """mutation SignUp {{ register(input: {{phone: "{phone}", name: "{name}",
  email: "{email}", company: "{company}", password: "{password}", code: "{code}"}}) {{
  id phone email name }} }}"""
LOGIN = """mutation SignIn($input: LoginInput!) { login(input: $input) {
  token account { name phone email } } }"""
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def traced_app(tmp_path, exporter: InMemorySpanExporter) -> Starlette:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return create_app(make_settings(tmp_path), manage_database=False, tracer_provider=provider)


def everything_in(span: ReadableSpan) -> str:
    """All a span says: name, attributes, events, status, links, resource."""
    return json.dumps(json.loads(span.to_json()), ensure_ascii=False)


async def test_p_sec_1_spans_hold_no_literal_variable_or_personal_data(db, tmp_path):
    exporter = InMemorySpanExporter()
    transport = httpx.ASGITransport(app=traced_app(tmp_path, exporter))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        await http.post(
            "/graphql",
            json={"query": INLINE_CODE},
            headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"},
        )
        code = await registration_code(PHONE)
        document = INLINE_REGISTER.format(
            phone=PHONE, name=NAME, email=EMAIL, company=COMPANY, password=PASSWORD, code=code
        )
        registered = await http.post("/graphql", json={"query": document})
        assert registered.json()["data"]["register"]["phone"] == PHONE
        login = {"login": PHONE, "password": PASSWORD, "client": {"devicePhone": "13800138000"}}
        signed_in = await http.post(
            "/graphql", json={"query": LOGIN, "variables": {"input": login}}
        )
        token = signed_in.json()["data"]["login"]["token"]
        # A variable of the wrong type: graphql-core's message repeats its value.
        refused = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"input": {"login": PHONE, "password": 12345678}}},
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        other = person(3)
        await http.post(
            "/graphql",
            json={
                "query": "mutation($i: RegisterInput!) { register(input: $i) { id } }",
                "variables": {"i": other},
            },
            headers={"authorization": f"Bearer {token}"},
        )
    spans = exporter.get_finished_spans()
    told = "\n".join(everything_in(span) for span in spans)
    for secret in (
        PHONE,
        EMAIL,
        PASSWORD,
        NAME,
        COMPANY,
        code,
        token,
        "13800138000",
        "12345678",
        other["phone"],
        other["email"],
        other["password"],
        "127.0.0.1",
    ):
        assert secret not in told, secret

    servers = [span for span in spans if span.name == "POST /graphql"]
    operations = [span for span in spans if span.name == "graphql.operation"]
    assert len(servers) == len(operations) == 5
    # The caller's trace goes on; each operation is a child of its request's span.
    assert f"{servers[0].context.trace_id:032x}" == TRACE_ID
    assert {op.parent.span_id for op in operations} == {s.context.span_id for s in servers}
    sign_up = operations[1].attributes
    assert sign_up["graphql.operation.name"] == "SignUp"
    assert sign_up["graphql.operation.type"] == "mutation"
    assert 'phone: ""' in sign_up["graphql.document"]
    assert (
        'password: ""' in sign_up["graphql.document"] and 'code: ""' in sign_up["graphql.document"]
    )
    assert operations[3].attributes["graphql.error_codes"] == ("BAD_USER_INPUT",)
    assert servers[0].attributes["http.response.status_code"] == 200
    steps = {
        span.name
        for span in spans
        if span.parent and span.parent.span_id == operations[2].context.span_id
    }
    assert steps == {"graphql.parse", "graphql.validate", "graphql.execute"}


async def test_other_paths_are_named_by_method_only(db, tmp_path):
    exporter = InMemorySpanExporter()
    transport = httpx.ASGITransport(app=traced_app(tmp_path, exporter))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        await http.get(f"/no/such/{PHONE}?email={EMAIL}")
        await http.get("/livez")
    names = [span.name for span in exporter.get_finished_spans()]
    assert names == ["GET", "GET /livez"]
    assert PHONE not in everything_in(exporter.get_finished_spans()[0])


def test_tracing_is_chosen_by_configuration(tmp_path):
    from api.http.tracing import tracer_provider

    assert tracer_provider(make_settings(tmp_path)) is None
    console = tracer_provider(make_settings(tmp_path, tracing=Tracing.CONSOLE))
    assert console is not None
    console.shutdown()
    try:
        otlp = tracer_provider(make_settings(tmp_path, tracing=Tracing.OTLP))
    except ConfigurationError as error:  # the exporter is in the otel extra only
        assert "consentql[otel]" in str(error)
    else:
        assert otlp is not None
        otlp.shutdown()
