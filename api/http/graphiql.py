"""GraphiQL served entirely by the app: intranets without internet cannot reach a CDN.

Strawberry's own page loads React and GraphiQL from a public CDN and stays blank offline. This
page loads the same files (byte for byte: their sha384 matches the integrity hashes in
Strawberry's template) from `api/static/graphiql/`, and its Content-Security-Policy forbids any
other origin, so a missing file shows up as an error rather than as a silent trip to the internet.
"""

import base64
import hashlib
import json
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_URL = "/static/graphiql"

# What the page loads, in order; see api/static/graphiql/README.md for versions and licences.
STYLESHEETS = ("graphiql.min.css", "plugin-explorer.css")
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "plugin-explorer.umd.js",
)

DEFAULT_QUERY = """\
# GraphiQL, served by ConsentQL itself (no internet needed).
#
# Sign in first: the login mutation sets a session cookie that the
# following queries send along.
#
#   mutation {
#     login(input: {login: "<phone or email>", password: "<password>"}) {
#       account { id name }
#     }
#   }
#
# Run with Ctrl-Enter or the play button.

{
  me {
    id
    name
  }
}
"""

# `$` placeholders only: the page's CSS and JS are full of braces, so no str.format.
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
    <div id="graphiql" class="graphiql-container">Loading…</div>
$scripts
    <script>$inline</script>
  </body>
</html>
""")

_INLINE = Template("""
      const endpoint = $endpoint;

      // Explicit rather than relying on fetch's default: the session cookie that the login
      // mutation sets must go with every later query, and must never go to another origin.
      function sameOriginFetch(url, init) {
        return window.fetch(url, Object.assign({}, init, { credentials: "same-origin" }));
      }

      // The schema has no subscriptions, so no WebSocket URL: nothing but plain POSTs.
      const fetcher = GraphiQL.createFetcher({ url: endpoint, fetch: sameOriginFetch });

      function ConsentQLGraphiQL() {
        return React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultQuery: $default_query,
          defaultEditorToolsVisibility: true,
          plugins: [GraphiQLPluginExplorer.explorerPlugin()],
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          // Tabs, queries and headers may hold passwords or bearer tokens: keep them for this
          // browser tab only instead of in localStorage, where they would outlive the session.
          storage: window.sessionStorage,
          shouldPersistHeaders: false,
        });
      }

      ReactDOM.createRoot(document.getElementById("graphiql")).render(
        React.createElement(ConsentQLGraphiQL),
      );
""")


def _js_string(value: str) -> str:
    """A JS string literal that cannot close the surrounding <script> element."""
    return (
        json.dumps(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _inline_script(endpoint: str) -> str:
    return _INLINE.substitute(
        endpoint=_js_string(endpoint), default_query=_js_string(DEFAULT_QUERY)
    )


def graphiql_html(endpoint: str = "/graphql") -> str:
    """The GraphiQL page; every script and stylesheet comes from STATIC_URL on this server."""
    stylesheets = "\n".join(
        f'    <link rel="stylesheet" href="{STATIC_URL}/{name}" />' for name in STYLESHEETS
    )
    scripts = "\n".join(f'    <script src="{STATIC_URL}/{name}"></script>' for name in SCRIPTS)
    return _PAGE.substitute(
        stylesheets=stylesheets, scripts=scripts, inline=_inline_script(endpoint)
    )


def content_security_policy(endpoint: str = "/graphql") -> str:
    """Only this origin, plus the one inline script by hash; GraphiQL needs inline styles and
    data: URIs (fonts and icons in its CSS)."""
    digest = hashlib.sha256(_inline_script(endpoint).encode()).digest()
    script_hash = "sha256-" + base64.b64encode(digest).decode()
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' '{script_hash}'",
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
            "Content-Security-Policy": content_security_policy(endpoint),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def static_routes() -> list[BaseRoute]:
    """Serves the vendored files, found next to this module: installed or in a checkout."""
    return [
        Mount(STATIC_URL, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
    ]
