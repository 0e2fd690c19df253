"""What the site declares about Global Privacy Control (P-DNT-1) at /.well-known/gpc.json."""

from starlette.requests import Request
from starlette.responses import JSONResponse


async def gpc_json(request: Request) -> JSONResponse:
    """The GPC support resource (https://privacycg.github.io/gpc-spec/#gpc-support-resource)."""
    return JSONResponse({"gpc": True}, headers={"cache-control": "max-age=86400"})
