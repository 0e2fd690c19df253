"""Probes for load balancers and Kubernetes (docs/deploy.md).

GET /livez: the process answers; it never touches the database, so a database outage does not
get every worker restarted. GET /readyz: the database answers and every migration this code
ships has been applied, so a worker is sent traffic only when it can serve it. GET /healthz is
/readyz under the name earlier balancers were given.
"""

import logging
import pkgutil

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from api.database import APP_LABEL
from models import migrations

logger = logging.getLogger(__name__)

# The recorder table of Tortoise's migrations (tortoise.migrations.recorder).
RECORDER_TABLE = "tortoise_migrations"
# Constants only, no parameter: the same text on SQLite and PostgreSQL.
APPLIED = f'SELECT "name" FROM "{RECORDER_TABLE}" WHERE "app" = \'{APP_LABEL}\''
SHIPPED = frozenset(
    module.name for module in pkgutil.iter_modules(migrations.__path__) if module.name[0].isdigit()
)


async def live(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    try:
        _, rows = await connections.get("default").execute_query(APPLIED)
    except Exception as error:
        # Unreachable, or never migrated (no recorder table): either way, not ready. The cause
        # goes to the log, not to whoever can reach the probe.
        logger.warning("readiness: the database cannot be read (%s)", type(error).__name__)
        return JSONResponse({"status": "unavailable", "reason": "database"}, status_code=503)
    pending = SHIPPED - {row["name"] for row in rows}
    if pending:
        return JSONResponse(
            {"status": "unavailable", "reason": "migrations", "pending": len(pending)},
            status_code=503,
        )
    return JSONResponse({"status": "ok"})
