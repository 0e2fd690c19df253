"""Offline GraphiQL: the page and all it loads come from the app itself.

The browser test runs the real server (`consentql serve --demo`) and headless Debian Chromium, and
refuses every request that would leave localhost: on an intranet there is nowhere else to go. It
is skipped unless /usr/bin/chromium and the `playwright` package are both present; Playwright only
drives that Chromium and never downloads a browser of its own.
"""

import base64
import hashlib
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from api.http.graphiql import (
    SCRIPTS,
    STATIC_DIR,
    STATIC_URL,
    STYLESHEETS,
    content_security_policy,
    graphiql_html,
    static_routes,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# What api/demo.py documents; the seed also prints them, and the printed ones win.
DEMO_ADMIN = ("13800000000", "consentql-demo-admin")

browser_available = CHROMIUM.exists() and importlib.util.find_spec("playwright") is not None


# --- The page itself: cheap, no browser ----------------------------------------------------


def test_page_names_only_files_served_here() -> None:
    html = graphiql_html()
    loaded = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    served = [url for url in loaded if not url.startswith("data:")]
    assert sorted(served) == sorted(f"{STATIC_URL}/{name}" for name in SCRIPTS + STYLESHEETS)
    # Self-served files need neither; `crossorigin` would even change how cookies are sent.
    for word in ("unpkg", "cdn", "crossorigin", "integrity"):
        assert word not in html.lower()


def test_endpoint_cannot_break_out_of_the_script() -> None:
    html = graphiql_html("/graphql</script><script>alert(1)</script>")
    assert "alert(1)</script>" not in html
    assert html.count("</script>") == len(SCRIPTS) + 1


def test_policy_admits_exactly_the_inline_script() -> None:
    html = graphiql_html()
    [inline] = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    policy = content_security_policy()
    assert f"'sha256-{digest}'" in policy
    assert "default-src 'self'" in policy


async def test_every_vendored_file_is_served() -> None:
    transport = httpx.ASGITransport(app=Starlette(routes=static_routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as client:
        for name in SCRIPTS + STYLESHEETS:
            response = await client.get(f"{STATIC_URL}/{name}")
            assert response.status_code == 200, name
            assert response.content == (STATIC_DIR / name).read_bytes()
            expected = "text/css" if name.endswith(".css") else "javascript"
            assert expected in response.headers["content-type"]
        assert (await client.get(f"{STATIC_URL}/..%2Fgraphiql.py")).status_code == 404


async def test_the_app_serves_this_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text == graphiql_html()
    assert page.headers["content-security-policy"] == content_security_policy()
    script = await client.get(f"{STATIC_URL}/graphiql.min.js")
    assert script.status_code == 200


# --- The real server in a real browser -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    pytest.fail(f"the server did not become healthy:\n{log.read_text()}")


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """`consentql serve --demo` on a free port with its own data dir; yields (base URL, admin)."""
    port = free_port()
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path / "data"),
        # SQLite in the data dir even where CI points the other tests at PostgreSQL.
        "CONSENTQL_DATABASE_URL": "",
        "CONSENTQL_MODE": "development",
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "8192",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        # `python -m api.cli` is the `consentql` entry point without depending on PATH.
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server, log)
        printed = re.search(r"Demo admin: login (\S+)\s+password (\S+)", log.read_text())
        yield base, (printed.group(1), printed.group(2)) if printed else DEMO_ADMIN
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def off_host(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


def run_in_graphiql(page: Any, query: str, expect: str) -> dict[str, Any]:
    """Puts `query` into the query editor, presses the run button, returns the result pane."""
    page.evaluate(
        "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
        query,
    )
    page.click(".graphiql-execute-button")
    try:
        handle = page.wait_for_function(
            """expect => {
                const text = document.querySelector('.graphiql-response .CodeMirror')
                    ?.CodeMirror.getValue() ?? '';
                return text.includes(expect) ? text : false;
            }""",
            arg=expect,
            timeout=30_000,
        )
    except Exception as error:
        shown = page.evaluate(
            """() => [...document.querySelectorAll('.CodeMirror')]
                .map(e => e.closest('[class]').className + ': ' + e.CodeMirror.getValue())"""
        )
        raise AssertionError(f"no {expect} in the result pane; editors show {shown}") from error
    return json.loads(handle.json_value())


@pytest.mark.skipif(
    not browser_available, reason="needs /usr/bin/chromium and the playwright package"
)
def test_graphiql_works_offline_in_chromium(
    demo_server: tuple[str, tuple[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import Route, sync_playwright

    base, (login, password) = demo_server
    off_host_requests: list[str] = []
    page_errors: list[str] = []
    console_errors: list[str] = []

    def note_if_off_host(url: str) -> None:
        if off_host(url) and url not in off_host_requests:
            off_host_requests.append(url)

    def note_if_error(kind: str, text: str) -> None:
        if kind == "error":
            console_errors.append(text)

    def only_localhost(route: Route) -> None:
        if off_host(route.request.url):
            note_if_off_host(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    with sync_playwright() as playwright:
        # A persistent context is Chromium with a fresh --user-data-dir of our own.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": 1440, "height": 900},
        )
        try:
            context.route("**/*", only_localhost)
            # Requests the router never sees (WebSockets) are recorded too.
            context.on("request", lambda request: note_if_off_host(request.url))
            page = context.pages[0] if context.pages else context.new_page()
            page.on("websocket", lambda socket: note_if_off_host(socket.url))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("console", lambda message: note_if_error(message.type, message.text))

            response = page.goto(f"{base}/graphql", wait_until="load")
            assert response is not None and response.status == 200
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            page.wait_for_selector(".graphiql-execute-button", timeout=30_000)

            signed_in = run_in_graphiql(
                page,
                "mutation {\n"
                f"  login(input: {{login: {json.dumps(login)}, password: {json.dumps(password)}}})"
                " {\n    account { id role }\n  }\n}\n",
                expect='"login"',
            )
            assert "errors" not in signed_in, signed_in
            account = signed_in["data"]["login"]["account"]
            assert account["role"] == "ADMIN"
            cookies = {cookie["name"]: cookie for cookie in context.cookies(base)}
            assert cookies["consentql_session"]["httpOnly"]

            # Only the cookie from the sign-in above says who is asking here.
            me = run_in_graphiql(page, "{\n  me {\n    id\n    name\n  }\n}\n", expect='"me"')
            assert "errors" not in me, me
            assert me["data"]["me"]["id"] == account["id"]
            assert me["data"]["me"]["name"]

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "graphiql.png"))

            loaded = page.evaluate(
                "[...document.querySelectorAll('script[src], link[href]')]"
                ".map(e => e.src || e.href)"
            )
        except Exception:
            # What the browser showed is the quickest clue when this fails in CI.
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "graphiql-failed.png"))
            raise
        finally:
            context.close()

    assert off_host_requests == []
    assert page_errors == []
    assert console_errors == []
    assert all(url.startswith((base, "data:")) for url in loaded), loaded
