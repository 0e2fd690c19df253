"""GraphiQL served entirely by the app: intranets without internet cannot reach a CDN.

Strawberry's own page loads React and GraphiQL from a public CDN and stays blank offline. This
page loads the same files (byte for byte: their sha384 matches the integrity hashes in
Strawberry's template) from `static/graphiql/`, and its Content-Security-Policy forbids any other
origin, so a missing file shows up as an error rather than as a silent trip to the internet.
ConsentQL's own code (the setup and the sign-in panel) is in `static/graphiql-consentql/`: the
page has no inline script, so the policy admits scripts from this origin only.
"""

import html
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_URL = "/static/graphiql"
OWN_DIR = Path(__file__).resolve().parent / "static" / "graphiql-consentql"
OWN_URL = "/static/graphiql-consentql"

# What the page loads, in order; see static/graphiql/README.md for versions and licences.
STYLESHEETS = ("graphiql.min.css", "plugin-explorer.css")
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "plugin-explorer.umd.js",
)
# Ours: a module that imports the sign-in panel next to it.
OWN_STYLESHEETS = ("sign-in-panel.css",)
OWN_MODULE = "setup.js"

# `$` placeholders only: the page's CSS is full of braces, so no str.format.
_PAGE = Template("""\
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>ConsentQL GraphiQL</title>
    <!-- An inline icon, so the browser asks for no /favicon.ico. -->
    <link rel="icon" href="data:image/svg+xml,<svg xmlns=%22http://www.w3.org/2000/svg%22 \
viewBox=%220 0 100 100%22><text y=%22.9em%22 font-size=%2280%22>&#x1f353;</text></svg>" />
    <style>
      body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
      #graphiql { height: 100vh; display: flex; }
      .graphiql-explorer-actions select { margin-left: 4px; }
    </style>
$stylesheets
  </head>
  <body>
    <div id="graphiql" class="graphiql-container" data-endpoint="$endpoint">Loading…</div>
$scripts
  </body>
</html>
""")


def graphiql_html(endpoint: str = "/graphql") -> str:
    """The GraphiQL page; every script and stylesheet comes from this server."""
    stylesheets = "\n".join(
        f'    <link rel="stylesheet" href="{url}" />'
        for url in (
            *(f"{STATIC_URL}/{name}" for name in STYLESHEETS),
            *(f"{OWN_URL}/{name}" for name in OWN_STYLESHEETS),
        )
    )
    scripts = "\n".join(
        (
            *(f'    <script src="{STATIC_URL}/{name}"></script>' for name in SCRIPTS),
            f'    <script type="module" src="{OWN_URL}/{OWN_MODULE}"></script>',
        )
    )
    return _PAGE.substitute(
        stylesheets=stylesheets, scripts=scripts, endpoint=html.escape(endpoint, quote=True)
    )


def content_security_policy() -> str:
    """Only this origin, and no inline script; GraphiQL needs inline styles and data: URIs
    (fonts and icons in its CSS)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def graphiql_response(endpoint: str = "/graphql") -> HTMLResponse:
    """The page with its Content-Security-Policy: what `render_graphql_ide` should return."""
    return HTMLResponse(
        graphiql_html(endpoint),
        headers={
            "Content-Security-Policy": content_security_policy(),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def static_routes() -> list[BaseRoute]:
    """Serves the vendored files and ours, found next to this module: installed or in a
    checkout."""
    return [
        Mount(STATIC_URL, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
        Mount(OWN_URL, app=StaticFiles(directory=OWN_DIR), name="graphiql-consentql-static"),
    ]
