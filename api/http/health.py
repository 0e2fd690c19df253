"""GET /healthz: the process answers and the database can be reached."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections


async def health(request: Request) -> JSONResponse:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
