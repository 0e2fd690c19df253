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
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.middleware import replay_body

UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
BATCHING_DISABLED = "BATCHING_DISABLED"
BAD_REQUEST = "BAD_REQUEST"


def refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def _refusal_of_body(body: bytes) -> JSONResponse | None:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return refusal(400, BAD_REQUEST, "the request body is not valid JSON")
    if isinstance(payload, list):
        return refusal(400, BATCHING_DISABLED, "send one operation per request, not a batch")
    if not isinstance(payload, dict):
        return refusal(400, BAD_REQUEST, "the request body must be a JSON object")
    return None


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
            await refusal(
                405, METHOD_NOT_ALLOWED, "send operations as a POST with application/json"
            )(scope, receive, send)
            return
        if method != "POST":
            await self.app(scope, receive, send)
            return
        media_type = Headers(scope=scope).get("content-type", "").partition(";")[0]
        if media_type.strip().lower() != "application/json":
            response = refusal(
                415, UNSUPPORTED_MEDIA_TYPE, "send operations with Content-Type: application/json"
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
