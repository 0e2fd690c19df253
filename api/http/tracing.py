"""Optional OpenTelemetry tracing (CONSENTQL_TRACING, the `otel` extra).

Spans carry no personal data, no literal of a document and no variable: only this module sets
their attributes. Neither the SDK's ASGI instrumentation nor Strawberry's OpenTelemetryExtension
is used: the first records the client's address, user agent and full URL (query string included),
the second the document as sent (a password literal with it) and every resolver's arguments.

- One server span per HTTP request: method, route (a path the app serves, else none), status,
  request id; it continues the caller's trace from a W3C `traceparent` header.
- Under it, for /graphql, the operation's spans (api.graphql.extensions.tracing).
"""

from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import ConfigurationError, Settings, Tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

TRACER_NAME = "consentql"


def tracer_provider(settings: Settings) -> "TracerProvider | None":
    """The provider CONSENTQL_TRACING asks for, or None when tracing is off."""
    if settings.tracing is Tracing.OFF:
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

        if settings.tracing is Tracing.OTLP:
            # Endpoint, headers and timeouts from the standard OTEL_EXPORTER_OTLP_* variables.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter: Any = OTLPSpanExporter()
        else:
            exporter = ConsoleSpanExporter()
    except ImportError as error:
        raise ConfigurationError(
            f"CONSENTQL_TRACING={settings.tracing} needs the otel extra: "
            f"pip install 'consentql[otel]' ({error.name} is missing)"
        ) from error
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still apply on top.
    provider = TracerProvider(resource=Resource.create({"service.name": "consentql"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


class TracedRequests:
    """Pure ASGI middleware, inside RequestId: one server span per HTTP request."""

    def __init__(self, app: ASGIApp, tracer: "Tracer", routes: frozenset[str]) -> None:
        self.app = app
        self.tracer = tracer
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind, Status, StatusCode

        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        method = scope["method"]
        route = scope["path"] if scope["path"] in self.routes else None
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "consentql.request_id": scope.get("state", {}).get("request_id", ""),
        }
        if route:
            attributes["http.route"] = route
        with self.tracer.start_as_current_span(
            f"{method} {route}" if route else method,
            context=extract(headers),
            kind=SpanKind.SERVER,
            attributes=attributes,
            # Exceptions are not recorded: their text may be the database's.
            record_exception=False,
            set_status_on_exception=False,
        ) as span:

            async def send_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_status)
