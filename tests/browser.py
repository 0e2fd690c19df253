"""Real pages in headless Debian Chromium against a real `consentql serve --demo`.

Playwright only drives /usr/bin/chromium and never downloads a browser; the tests that use this
are skipped unless both are present. Every request that would leave localhost is refused and
recorded (on an intranet there is nowhere else to go), and every request the page sends is kept,
so a test can prove where a password travelled.
"""

import base64
import importlib.util
import json
import os
import re
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import free_port, start, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
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
# What api/cli/demo.py documents; the seed also prints them, and the printed ones win.
DEMO_ADMIN = ("13800000000", "consentql-demo-admin")
DEMO_AFFILIATE = "示例通信客户服务中心"
DEMO_PURPOSE = "customer-service"

requires_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and importlib.util.find_spec("playwright") is not None),
    reason="needs /usr/bin/chromium and the playwright package",
)


@dataclass
class DemoServer:
    base: str
    admin: tuple[str, str]
    log: Path

    def printed_url(self, page: str) -> str:
        """The URL `consentql serve` printed for `page` ("Privacy center", "GraphiQL")."""
        found = re.search(rf"^{page}:\s+(\S+)$", self.log.read_text(), flags=re.MULTILINE)
        assert found, f"serve printed no URL for {page}"
        return found.group(1)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str = "") -> Any:
        """One operation over HTTP, as an API client or admin would send it; its data."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        payload = response.json()
        assert not payload.get("errors"), payload
        return payload["data"]

    def admin_token(self) -> str:
        login, password = self.admin
        signed_in = self.gql(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"login": login, "password": password}},
        )
        return str(signed_in["login"]["token"])

    def schema_has(self, type_name: str, field_name: str) -> bool:
        """Whether the server's schema (introspection, as an admin) has `type.field`; for steps
        that wait on operations other people are building."""
        found = self.gql(
            "query($t: String!) { __type(name: $t) { fields { name } inputFields { name } } }",
            {"t": type_name},
            token=self.admin_token(),
        )["__type"]
        if found is None:
            return False
        names = {f["name"] for f in (found["fields"] or []) + (found["inputFields"] or [])}
        return field_name in names


@contextmanager
def demo_server(directory: Path, *, production: bool = False) -> Iterator[DemoServer]:
    """`consentql serve --demo` on a free port with its own data dir."""
    port = free_port()
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(directory / "data"),
        # SQLite in the data dir even where CI points the other tests at PostgreSQL.
        "CONSENTQL_DATABASE_URL": "",
        "CONSENTQL_MODE": "production" if production else "development",
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "8192",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if production:
        env["CONSENTQL_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    log = directory / "server.log"
    # `python -m api.cli` is the `consentql` entry point without depending on PATH.
    command = [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)]
    server = start(command, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server, log)
        printed = re.search(r"Demo admin: login (\S+)\s+password (\S+)", log.read_text())
        admin = (printed.group(1), printed.group(2)) if printed else DEMO_ADMIN
        yield DemoServer(base, admin, log)
    finally:
        stop([server])


def off_host(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


def operation_name(document: str) -> str | None:
    named = re.match(r"\s*(?:query|mutation)\s+(\w+)", document)
    return named.group(1) if named else None


@dataclass
class Watch:
    """What a browser context did: every request, anything off the host, page and console
    errors."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def note_if_off_host(self, url: str) -> None:
        if off_host(url) and url not in self.off_host:
            self.off_host.append(url)

    def attach(self, context: Any, page: Any) -> None:
        def only_localhost(route: Any) -> None:
            if off_host(route.request.url):
                self.note_if_off_host(route.request.url)
                route.abort("internetdisconnected")
            else:
                route.continue_()

        context.route("**/*", only_localhost)
        # Requests the router never sees (WebSockets) are recorded too.
        context.on("request", self.record)
        page.on("websocket", lambda socket: self.note_if_off_host(socket.url))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )

    def record(self, request: Any) -> None:
        self.note_if_off_host(request.url)
        self.requests.append((request.method, request.url, request.post_data or ""))

    def operations(self) -> list[str]:
        """The names of the GraphQL operations the page sent, in order."""
        names = []
        for method, url, body in self.requests:
            if method == "POST" and urlsplit(url).path == "/graphql" and body:
                names.append(operation_name(json.loads(body).get("query", "")) or "")
        return names

    def password_leaks(self, password: str, allowed: Collection[str]) -> list[str]:
        """Requests that carry `password` anywhere but in the variables of an operation named in
        `allowed`: in a URL, a document, any other body."""
        leaks = []
        for method, url, body in self.requests:
            if password in url:
                leaks.append(f"{method} {url}: in the URL")
            if password not in body:
                continue
            try:
                sent = json.loads(body)
            except json.JSONDecodeError:
                leaks.append(f"{method} {url}: in a body that is not JSON")
                continue
            document = str(sent.get("query", ""))
            if password in document:
                leaks.append(f"{method} {url}: inside the document")
            elif operation_name(document) not in allowed:
                leaks.append(f"{method} {url}: in the variables of {operation_name(document)}")
        return leaks

    def assert_clean(self) -> None:
        assert self.off_host == []
        assert self.page_errors == []
        assert self.console_errors == []


@contextmanager
def chromium(
    directory: Path, width: int, height: int, name: str
) -> Iterator[tuple[Any, Any, Watch]]:
    """A fresh headless Chromium (its own profile) on one page: (context, page, watch). When the
    block fails, what the page showed is saved as `<name>-failed.png`: the quickest clue in CI."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A persistent context is Chromium with a fresh --user-data-dir of our own.
        context = playwright.chromium.launch_persistent_context(
            str(directory / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": width, "height": height},
            accept_downloads=True,
            locale="zh-CN",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            watch = Watch()
            watch.attach(context, page)
            try:
                yield context, page, watch
            except BaseException:
                screenshot(page, f"{name}-failed")
                raise
        finally:
            context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def stored_text(page: Any) -> str:
    """Everything the page could keep: local and session storage, and cookies a script sees."""
    return str(
        page.evaluate(
            """() => JSON.stringify([
                Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])"""
        )
    )


# WCAG 2.x relative luminance and contrast ratio of two CSS colours, in the page: the colours a
# reader sees are the computed ones, after every stylesheet rule.
CONTRAST_JS = """(selector) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const parse = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
    const channel = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r, g, b]) =>
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    let background = null;
    for (let node = element; node; node = node.parentElement) {
        const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
        if (a > 0) { background = [r, g, b]; break; }
    }
    background = background || [255, 255, 255];
    const foreground = parse(getComputedStyle(element).color);
    const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
    return { ratio: (light + 0.05) / (dark + 0.05), color: getComputedStyle(element).color,
             background: `rgb(${background.join(", ")})` };
}"""

# Every form control the page shows or may show, and those that have no accessible label.
UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((control) => control.type !== 'hidden')
    .filter((control) => control.labels.length === 0
        && !control.getAttribute('aria-label') && !control.getAttribute('aria-labelledby'))
    .map((control) => control.id || control.name || control.outerHTML.slice(0, 80))"""
