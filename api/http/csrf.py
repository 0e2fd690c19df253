"""Only a JSON POST reaches GraphQL: the cross-site request guard (P-SEC-4, P-COOKIE-1).

A page on another site can make a browser send a form (urlencoded or multipart) or a `text/plain`
POST with the visitor's cookies and no CORS preflight; it cannot send `application/json` without
one, and the preflight fails unless the origin is on the allow-list. So anything but a JSON POST is
refused before the GraphQL layer parses it, and operations never run over GET (the GraphiQL page,
which carries no operation, still loads).

The body must also be one JSON object: an array is a batch, which would let one request carry many
operations (many sign-in guesses, many costly queries) past the per-request limits; a bare string
or number would crash the GraphQL view. Every refusal has the GraphQL error shape with a code.
"""

import json

from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, ExceptionHandler, Receive, Scope, Send

from api.errors import ErrorCode, error_response
from api.http.middleware import replay_body

POST_JSON_ONLY = "send operations as a POST with application/json"


def _refusal_of_body(body: bytes) -> JSONResponse | None:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return error_response(400, ErrorCode.BAD_REQUEST, "the request body is not valid JSON")
    if isinstance(payload, list):
        return error_response(
            400, ErrorCode.BATCHING_DISABLED, "send one operation per request, not a batch"
        )
    if not isinstance(payload, dict):
        return error_response(400, ErrorCode.BAD_REQUEST, "the request body must be a JSON object")
    return None


def method_not_allowed_as_json(path: str) -> ExceptionHandler:
    """A handler for the 405 Starlette's router raises for a method the route at `path` does not
    take (PUT, DELETE /graphql): there it gets the GraphQL error shape and a code like every other
    refusal. Elsewhere (static files, health, metrics) Starlette's plain-text answer stays."""

    async def method_not_allowed(request: Request, error: Exception) -> Response:
        # Registered for a status code, so only Starlette's HTTPException arrives here.
        assert isinstance(error, HTTPException)
        if request.scope["path"] != path:
            return PlainTextResponse(error.detail, error.status_code, headers=error.headers)
        return error_response(
            405, ErrorCode.METHOD_NOT_ALLOWED, POST_JSON_ONLY, headers=error.headers
        )

    return method_not_allowed


class JsonPostOnly:
    """Guards `path`; other paths pass. Sits inside `BodyLimit`, so the body is bounded."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "GET" and {"query", "extensions"} & set(
            QueryParams(scope["query_string"]).keys()
        ):
            response = error_response(405, ErrorCode.METHOD_NOT_ALLOWED, POST_JSON_ONLY)
            await response(scope, receive, send)
            return
        if method != "POST":
            await self.app(scope, receive, send)
            return
        media_type = Headers(scope=scope).get("content-type", "").partition(";")[0]
        if media_type.strip().lower() != "application/json":
            response = error_response(
                415,
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "send operations with Content-Type: application/json",
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        response = _refusal_of_body(body)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, replay_body(body, receive), send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
