"""`consentql serve`: migrate once, then run the API with uvicorn in one or more workers."""

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from api.cli.database import done, run_with_database, seed_demo
from api.cli.options import env_option
from api.http.metrics import MULTIPROCESS_DIR
from api.http.privacy_center import PAGE_PATH
from api.settings import Settings

GRAPHIQL_PATH = "/graphql"


def page_urls(host: str, port: int) -> str:
    """The two pages people open, as `serve` prints them once the database is ready."""
    base = f"http://{host}:{port}"
    return f"Privacy center: {base}{PAGE_PATH}\nGraphiQL:       {base}{GRAPHIQL_PATH}"


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.http.logging import configure_logging, log_config

    configure_logging(settings.log_level, settings.resolved_log_format)
    # Once here, before the workers start, not in each worker.
    run_with_database(settings, lambda: seed_demo(settings) if args.demo else done())
    print(page_urls(args.host, args.port), flush=True)
    with metrics_shared_by(args.workers):
        uvicorn.run(
            "api.http.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            # Each worker applies it: lines with the request id, redacted.
            log_config=log_config(settings.log_level, settings.resolved_log_format),
            log_level=settings.log_level.lower(),
        )
    return 0


@contextmanager
def metrics_shared_by(workers: int) -> Iterator[None]:
    """With several workers, an empty directory of their own where each writes its metrics, so
    that a scrape reaching any of them reports the totals (api/http/metrics.py). It is in the
    environment before uvicorn spawns the workers, which read it when they import
    prometheus_client, and removed when the server stops. A directory the operator already set
    is used as it is: it may be shared with processes this server does not know of."""
    if workers <= 1 or MULTIPROCESS_DIR in os.environ:
        yield
        return
    # A fresh temporary directory, not one under the data dir: two servers on one data dir would
    # wipe each other's files, and counters restart from zero with each server anyway.
    with tempfile.TemporaryDirectory(prefix="consentql-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR] = directory
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("serve", help="run the API with uvicorn (migrates first)")
    env_option(run, "--host", env="CONSENTQL_HOST", default="127.0.0.1", help="address to bind")
    env_option(run, "--port", env="CONSENTQL_PORT", type=int, default=8000, help="port to bind")
    env_option(
        run, "--workers", env="CONSENTQL_WORKERS", type=int, default=1, help="uvicorn workers"
    )
    run.add_argument("--demo", action="store_true", help="fill an empty database with demo data")
    run.set_defaults(run=serve)
