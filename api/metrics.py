"""Prometheus metrics at GET /metrics (text format).

In process, per worker: requests and their latency by route, consent decisions by effect and
data category. From the database at scrape time, so every worker reports the same figure: sign-in
failures in the last hour and privacy requests past their due date (P-RIGHTS-4).

Each app has a registry of its own (tests build many apps in one process). With several workers
each serves its own counters: scrape every worker, or run one worker per container (docs/deploy.md).
No metric carries a label with personal data: routes are the app's fixed paths, categories the
catalogue's ids.
"""

import logging
from datetime import timedelta

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql.context import RequestContext
from api.middleware import observed
from api.privacy.requests import overdue_requests
from models.accounts import LoginRecord
from models.clock import utcnow

# Where get_context leaves the GraphQL context for the middleware to read the decisions from.
CONTEXT_STATE_KEY = "graphql_context"
ROUTES = frozenset({"/graphql", "/healthz", "/metrics"})
SIGN_IN_WINDOW = timedelta(hours=1)

logger = logging.getLogger(__name__)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "consentql_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "consentql_http_request_duration_seconds",
            "Time from request to the end of the response, by route.",
            ["route"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "consentql_consent_decisions",
            "Consent decisions, one per (subject, category) per request, by effect and category.",
            ["effect", "category"],
            registry=self.registry,
        )
        self.sign_in_failures = Gauge(
            "consentql_sign_in_failures_last_hour",
            "Failed sign-in attempts recorded in the last hour (all workers).",
            registry=self.registry,
        )
        self.privacy_overdue = Gauge(
            "consentql_privacy_requests_overdue",
            "Open privacy requests past their due date (P-RIGHTS-4, all workers).",
            registry=self.registry,
        )

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        route = path if path in ROUTES else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def count_decisions(self, context: RequestContext) -> None:
        for (effect, category), count in context.decisions.decision_counts().items():
            self.decisions.labels(effect, category).inc(count)

    async def refresh_from_database(self) -> None:
        try:
            failures = await LoginRecord.filter(
                success=False, created_at__gte=utcnow() - SIGN_IN_WINDOW
            ).count()
            overdue = await overdue_requests().count()
        except Exception:
            # The in-process metrics still count; NaN says "unknown", not "zero".
            logger.warning("metrics: the database could not be read", exc_info=True)
            failures = overdue = float("nan")
        self.sign_in_failures.set(failures)
        self.privacy_overdue.set(overdue)

    async def endpoint(self, request: Request) -> Response:
        await self.refresh_from_database()
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """Pure ASGI middleware: counts and times each HTTP request, and the consent decisions the
    GraphQL context made during it (counted after the response has gone out)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        def record(status: int, seconds: float) -> None:
            self.metrics.observe(scope["method"], scope["path"], status, seconds)
            context = scope.get("state", {}).get(CONTEXT_STATE_KEY)
            if isinstance(context, RequestContext):
                self.metrics.count_decisions(context)

        await observed(self.app, scope, receive, send, record)
