"""Prometheus metrics at GET /metrics (text format).

Counted as requests are answered: requests and their latency by route, consent decisions by effect
and data category. Read from the database at scrape time: sign-in failures in the last hour,
privacy requests past their due date (P-RIGHTS-4), and the scheduled jobs' figures
(api/jobs/figures.py).

One process: each app counts in memory, in a registry of its own (tests build many apps in one
process). Several workers share no memory, so when PROMETHEUS_MULTIPROC_DIR is set (by `consentql
serve --workers N`, api/cli.py, or by the operator) prometheus_client's multiprocess mode is on:
each worker writes its counts to files of its own in that directory, and a scrape, whichever
worker gets it, sums the files of all of them. Files of a worker that died stay: its requests did
happen, and a total that dropped would read as a counter reset. Nothing calls `mark_process_dead`:
it only removes files of "live" gauges, and there are none; the database figures come from a
collector, one series each rather than one per worker.

No metric carries a label with personal data: routes are the app's fixed paths, categories the
catalogue's ids.
"""

import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql.context import RequestContext
from api.http.middleware import observed
from api.privacy.requests import overdue_requests
from models.accounts import LoginRecord
from models.clock import utcnow

# Where get_context leaves the GraphQL context for the middleware to read the decisions from.
CONTEXT_STATE_KEY = "graphql_context"
# prometheus_client reads it when imported: it must be in the environment before a worker starts.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
ROUTES = frozenset({"/graphql", "/livez", "/readyz", "/healthz", "/metrics"})
SIGN_IN_WINDOW = timedelta(hours=1)

logger = logging.getLogger(__name__)


class DatabaseFigures:
    """Collector of the two figures read from the database when scraped. Not multiprocess
    gauges: those keep one series per process, and every worker reads the same figure."""

    def __init__(self) -> None:
        self.sign_in_failures: float = float("nan")
        self.privacy_overdue: float = float("nan")

    async def refresh(self) -> None:
        try:
            failures = await LoginRecord.filter(
                success=False, created_at__gte=utcnow() - SIGN_IN_WINDOW
            ).count()
            overdue = await overdue_requests().count()
        except Exception:
            # The counters still count; NaN says "unknown", not "zero".
            logger.warning("metrics: the database could not be read", exc_info=True)
            failures = overdue = float("nan")
        self.sign_in_failures, self.privacy_overdue = failures, overdue

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "consentql_sign_in_failures_last_hour",
            "Failed sign-in attempts recorded in the last hour (all workers).",
            value=self.sign_in_failures,
        )
        yield GaugeMetricFamily(
            "consentql_privacy_requests_overdue",
            "Open privacy requests past their due date (P-RIGHTS-4, all workers).",
            value=self.privacy_overdue,
        )


class Figures(Protocol):
    """A collector of figures read from the database when scraped."""

    async def refresh(self) -> None: ...

    def collect(self) -> Iterator[Metric]: ...


class Metrics:
    def __init__(self, *figures: Figures) -> None:
        self.registry = CollectorRegistry()
        # The same test as prometheus_client's when it chose where values live; an empty or
        # missing directory stops the worker here rather than serving one worker's counts.
        multiprocess = MULTIPROCESS_DIR in os.environ
        if multiprocess:
            # The counters below write to this worker's files, which the collector reads along
            # with every other worker's: registering them as well would count this worker twice.
            MultiProcessCollector(self.registry, path=os.environ[MULTIPROCESS_DIR])
        counted_in = None if multiprocess else self.registry
        self.requests = Counter(
            "consentql_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=counted_in,
        )
        self.latency = Histogram(
            "consentql_http_request_duration_seconds",
            "Time from request to the end of the response, by route.",
            ["route"],
            registry=counted_in,
        )
        self.decisions = Counter(
            "consentql_consent_decisions",
            "Consent decisions, one per (subject, category) per request, by effect and category.",
            ["effect", "category"],
            registry=counted_in,
        )
        self.database = DatabaseFigures()
        self.figures = (self.database, *figures)
        for collector in self.figures:
            self.registry.register(collector)

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        route = path if path in ROUTES else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def count_decisions(self, context: RequestContext) -> None:
        for (effect, category), count in context.decisions.decision_counts().items():
            self.decisions.labels(effect, category).inc(count)

    async def endpoint(self, request: Request) -> Response:
        for collector in self.figures:
            await collector.refresh()
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
            # Taken out, not read: the context holds the request, which holds this scope, and
            # a cycle would keep the request's objects alive until the cyclic collector runs.
            context = scope.get("state", {}).pop(CONTEXT_STATE_KEY, None)
            if isinstance(context, RequestContext):
                self.metrics.count_decisions(context)

        await observed(self.app, scope, receive, send, record)
