"""The Starlette application: middleware, the GraphQL endpoint, health."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET
from tortoise.contrib.starlette import RegisterTortoise

from api.auth.identify import identify
from api.auth.tokens import TokenRefused
from api.database import prepare_storage, tortoise_config
from api.errors import (
    UNAVAILABLE_MESSAGE,
    UNEXPECTED_MESSAGE,
    ErrorCode,
    database_unavailable,
    error_response,
)
from api.graphql.context import RequestContext
from api.graphql.extensions.tracing import tracing_extension
from api.graphql.schema import build_schema
from api.http import tracing
from api.http.csrf import JsonPostOnly, method_not_allowed_as_json
from api.http.gpc import gpc_json
from api.http.graphiql import graphiql_response, static_routes
from api.http.health import live, ready
from api.http.logging import LogContext
from api.http.metrics import CONTEXT_STATE_KEY, ROUTES, Metrics, RequestMetrics
from api.http.middleware import BodyLimit, RequestId
from api.http.persisted_queries import DocumentRefused, PersistedQueries
from api.http.policy_pages import policy_routes
from api.http.privacy_center import privacy_center_routes
from api.jobs.figures import LifecycleFigures
from api.jobs.registry import scheduled_jobs
from api.jobs.scheduler import scheduled
from api.runtime import Runtime
from api.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

logger = logging.getLogger(__name__)


def failure_response(error: Exception) -> JSONResponse:
    """The answer to an error raised around GraphQL execution rather than in it. Its text may be
    the database's, so it goes to the log (redacted, with the request id), not to the client."""
    if database_unavailable(error):
        logger.error("the database is unavailable; the request was not served", exc_info=error)
        return error_response(503, ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE)
    logger.error("unexpected error outside GraphQL execution", exc_info=error)
    return error_response(500, ErrorCode.INTERNAL_SERVER_ERROR, UNEXPECTED_MESSAGE)


def refusal_response(refusal: HTTPException) -> JSONResponse:
    """Strawberry's own refusal of a request (no query, `variables` not an object, a HEAD), which
    its view would send as plain text. Its reason is written for the client, so it is kept."""
    code = ErrorCode.METHOD_NOT_ALLOWED if refusal.status_code == 405 else ErrorCode.BAD_REQUEST
    return error_response(refusal.status_code, code, refusal.reason)


def token_refusal_response(refusal: TokenRefused) -> JSONResponse:
    """401 for a bearer token that opens nothing, with the challenge RFC 6750 asks for."""
    challenge = f'Bearer error="invalid_token", error_description="{refusal}"'
    return error_response(401, refusal.code, str(refusal), {"WWW-Authenticate": challenge})


class ConsentQLGraphQL(GraphQL[RequestContext, None]):
    def __init__(
        self,
        runtime: Runtime,
        tracing: Callable[[], SchemaExtension] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(build_schema(runtime.settings, tracing=tracing), **options)
        self.runtime = runtime
        self.persisted_queries = PersistedQueries(runtime.settings.trusted_documents_only)

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        # Errors in execution come back as results; what is raised here instead would reach a
        # plain-text answer: Strawberry's view turns its HTTPException into one, and anything
        # else (get_context identifying the caller while the database is down) is Starlette's 500.
        try:
            return await super().run(request, context, root_value)
        except HTTPException as refusal:
            return refusal_response(refusal)
        except TokenRefused as refusal:
            return token_refusal_response(refusal)
        except DocumentRefused as refusal:
            return error_response(refusal.status, refusal.code, str(refusal))
        except Exception as error:
            return failure_response(error)

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: RequestContext,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # Here, not in parse_http_body: the allow-list needs to know who asks.
        request_data = await self.persisted_queries.admit(request_data, context.viewer)
        return await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=request_data,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's page loads its scripts from a CDN; ours come from this app (intranets).
        return graphiql_response()

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        identity = await identify(request, self.runtime.settings.session_cookie)
        context = RequestContext(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            runtime=self.runtime,
            viewer=identity.viewer,
            session=identity.session,
            decisions=self.runtime.engine.for_request(identity.viewer),
            request_id=request.scope.get("state", {}).get("request_id", ""),
        )
        if identity.stale_cookie:
            context.clear_session_cookie()
        # The metrics middleware counts this request's decisions once the response is out.
        request.scope.setdefault("state", {})[CONTEXT_STATE_KEY] = context
        return context


def create_app(
    settings: Settings | None = None,
    *,
    manage_database: bool = True,
    tracer_provider: "TracerProvider | None" = None,
) -> Starlette:
    """The app; `manage_database=False` leaves the ORM to the caller (tests start their own).
    `tracer_provider` replaces the one CONSENTQL_TRACING would make (tests read its spans)."""
    settings = settings or Settings()
    prepare_storage(settings)
    runtime = Runtime.from_settings(settings)
    provider = tracer_provider or tracing.tracer_provider(settings)
    tracer = provider.get_tracer(tracing.TRACER_NAME) if provider else None
    graphql = ConsentQLGraphQL(
        runtime,
        tracing=tracing_extension(tracer) if tracer else None,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
    )
    metrics = Metrics(LifecycleFigures(settings.calendar_folder))

    # Migrations run once in `consentql serve` before the workers start, not in each worker.
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if not manage_database:
                yield
                return
            # Every worker hosts the scheduler unless a `consentql worker` runs the jobs; the
            # lease lets one process of all run each job.
            jobs = (
                scheduled(scheduled_jobs(settings), settings.jobs_tick_seconds)
                if settings.jobs_in_server
                else nullcontext()
            )
            async with (
                RegisterTortoise(app, config=tortoise_config(settings.resolved_database_url)),
                jobs,
            ):
                yield
        finally:
            await runtime.throttle.store.close()
            if provider is not None:
                provider.shutdown()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/livez", live, methods=["GET"]),
            Route("/readyz", ready, methods=["GET"]),
            Route("/healthz", ready, methods=["GET"]),
            Route("/metrics", metrics.endpoint, methods=["GET"]),
            Route("/.well-known/gpc.json", gpc_json, methods=["GET"]),
            *policy_routes(on_failure=failure_response),
            *static_routes(),
            *privacy_center_routes(),
        ],
        middleware=[
            Middleware(RequestId),
            *([Middleware(tracing.TracedRequests, tracer=tracer, routes=ROUTES)] if tracer else []),
            Middleware(LogContext),
            Middleware(RequestMetrics, metrics=metrics),
            # Only listed origins may call from a browser, cookies included; none by default.
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                allow_credentials=True,
            ),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(JsonPostOnly),
        ],
        exception_handlers={405: method_not_allowed_as_json("/graphql")},
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
