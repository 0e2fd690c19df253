"""The privacy center: a person's own page for what the policy lets them do (see, correct, export,
narrow or withdraw consent, see who read their data, file requests, cancel), served by the app.

Static HTML, ES modules and CSS from `static/privacy-center/`: nothing to build at install, nothing
fetched from elsewhere (intranets), no framework. It is a client of the public GraphQL API only
(POST /graphql with the session cookie), so it can do no more than the API lets the signed-in
person do. The Content-Security-Policy allows scripts, styles and connections to this origin
alone, with no inline script or style, and no form may submit anywhere (the scripts send them).
"""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

PAGE_PATH = "/privacy-center"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "privacy-center"
STATIC_URL = "/static/privacy-center"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # A signed-in page: never kept by a shared cache.
    "Cache-Control": "no-store",
}


async def privacy_center_page(request: Request) -> HTMLResponse:
    return HTMLResponse((STATIC_DIR / "index.html").read_text(encoding="utf-8"), headers=HEADERS)


def privacy_center_routes() -> list[BaseRoute]:
    return [
        Route(PAGE_PATH, privacy_center_page, methods=["GET"]),
        Mount(STATIC_URL, app=StaticFiles(directory=STATIC_DIR), name="privacy-center-static"),
    ]
