"""Offline GraphiQL with a sign-in panel: the page and all it loads come from the app itself,
and an admin signs in through a form in the sidebar, never with a password in a document.

The browser tests run the real server (`consentql serve --demo`, once in production mode) and
headless Debian Chromium, and refuse every request that would leave localhost (tests/browser.py).
"""

import html
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.graphql.schema import build_schema
from api.http.graphiql import (
    OWN_DIR,
    OWN_MODULE,
    OWN_STYLESHEETS,
    OWN_URL,
    SCRIPTS,
    STATIC_DIR,
    STATIC_URL,
    STYLESHEETS,
    content_security_policy,
    graphiql_html,
    static_routes,
)
from api.settings import Settings
from tests.browser import (
    DemoServer,
    Watch,
    chromium,
    demo_server,
    requires_browser,
    screenshot,
    stored_text,
)

OWN_FILES = (*OWN_STYLESHEETS, OWN_MODULE, "sign-in-panel.js")
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE = ".graphiql-response .CodeMirror"

# --- The page itself: cheap, no browser ----------------------------------------------------


def test_page_names_only_files_served_here() -> None:
    page = graphiql_html()
    loaded = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', page)
    served = [url for url in loaded if not url.startswith("data:")]
    assert sorted(served) == sorted(
        [f"{STATIC_URL}/{name}" for name in SCRIPTS + STYLESHEETS]
        + [f"{OWN_URL}/{name}" for name in (*OWN_STYLESHEETS, OWN_MODULE)]
    )
    # Self-served files need neither; `crossorigin` would even change how cookies are sent.
    for word in ("unpkg", "cdn", "crossorigin", "integrity"):
        assert word not in page.lower()


def test_endpoint_cannot_break_out_of_its_attribute() -> None:
    endpoint = '/graphql"><script>alert(1)</script>'
    page = graphiql_html(endpoint)
    assert "<script>alert(1)" not in page
    assert f'data-endpoint="{html.escape(endpoint, quote=True)}"' in page


def test_the_page_has_no_inline_script_and_the_policy_admits_none() -> None:
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", graphiql_html(), flags=re.DOTALL)
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    policy = dict(part.strip().split(" ", 1) for part in content_security_policy().split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"


def test_the_default_document_shows_no_password() -> None:
    setup = (OWN_DIR / OWN_MODULE).read_text(encoding="utf-8")
    [document] = re.findall(r"DEFAULT_QUERY = `(.*?)`;", setup, flags=re.DOTALL)
    assert "login(" not in document and "password:" not in document
    assert "Sign in" in document


async def test_every_served_file_is_the_one_on_disk() -> None:
    transport = httpx.ASGITransport(app=Starlette(routes=static_routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as client:
        files = [(STATIC_URL, STATIC_DIR, name) for name in SCRIPTS + STYLESHEETS]
        files += [(OWN_URL, OWN_DIR, name) for name in OWN_FILES]
        for url, directory, name in files:
            response = await client.get(f"{url}/{name}")
            assert response.status_code == 200, name
            assert response.content == (directory / name).read_bytes()
            expected = "text/css" if name.endswith(".css") else "javascript"
            assert expected in response.headers["content-type"]
        assert (await client.get(f"{STATIC_URL}/..%2Fgraphiql.py")).status_code == 404


async def test_the_app_serves_this_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text == graphiql_html()
    assert page.headers["content-security-policy"] == content_security_policy()
    for url in (f"{STATIC_URL}/graphiql.min.js", f"{OWN_URL}/{OWN_MODULE}"):
        assert (await client.get(url)).status_code == 200


# --- The real server in a real browser -----------------------------------------------------


def run_in_graphiql(page: Any, query: str, expect: str) -> dict[str, Any]:
    """Puts `query` into the query editor, presses the run button, returns the result pane."""
    page.evaluate(
        "([editor, q]) => document.querySelector(editor).CodeMirror.setValue(q)",
        [QUERY_EDITOR, query],
    )
    page.click(".graphiql-execute-button")
    try:
        handle = page.wait_for_function(
            """([response, expect]) => {
                const text = document.querySelector(response)?.CodeMirror.getValue() ?? '';
                return text.includes(expect) ? text : false;
            }""",
            arg=[RESPONSE, expect],
            timeout=30_000,
        )
    except Exception as error:
        shown = page.evaluate(
            """() => [...document.querySelectorAll('.CodeMirror')]
                .map(e => e.closest('[class]').className + ': ' + e.CodeMirror.getValue())"""
        )
        raise AssertionError(f"no {expect} in the result pane; editors show {shown}") from error
    return json.loads(handle.json_value())


def editor_text(page: Any, selector: str) -> str:
    return str(page.evaluate("s => document.querySelector(s).CodeMirror.getValue()", selector))


def open_graphiql(page: Any, server: DemoServer) -> None:
    # The address `consentql serve` prints.
    response = page.goto(server.printed_url("GraphiQL"), wait_until="load")
    assert response is not None and response.status == 200
    page.wait_for_selector(QUERY_EDITOR, timeout=30_000)
    # Nobody is signed in: the panel is open from the start.
    page.wait_for_selector("#consentql-login", timeout=30_000)


def sign_in_through_the_panel(page: Any, login: str, password: str) -> None:
    page.fill("#consentql-login", login)
    page.fill("#consentql-password", password)
    page.click(".consentql-sign-in-form button[type=submit]")
    page.wait_for_selector(".consentql-signed-in", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('.consentql-schema-state')?.textContent === 'Schema loaded.'",
        timeout=30_000,
    )


def introspected_after(watch: Watch, operation: str) -> bool:
    """Whether GraphiQL asked for the schema again after `operation` was sent."""
    sent = watch.operations()
    return operation in sent and "IntrospectionQuery" in sent[sent.index(operation) :]


def loaded_urls(page: Any) -> list[str]:
    return list(
        page.evaluate(
            "[...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href)"
        )
    )


@requires_browser
def test_an_admin_signs_in_through_the_panel_offline_in_chromium(tmp_path: Path) -> None:
    with (
        demo_server(tmp_path) as server,
        chromium(tmp_path, 1440, 900, "graphiql") as (context, page, watch),
    ):
        login, password = server.admin
        open_graphiql(page, server)
        document = editor_text(page, QUERY_EDITOR)
        assert password not in document and "password:" not in document

        sign_in_through_the_panel(page, login, password)
        assert "(ADMIN)" in page.inner_text(".consentql-signed-in")
        cookies = {cookie["name"]: cookie for cookie in context.cookies(server.base)}
        assert cookies["consentql_session"]["httpOnly"]
        assert introspected_after(watch, "SignIn")

        # Only the cookie from the panel says who is asking here.
        me = run_in_graphiql(page, "{\n  me {\n    id\n    role\n  }\n}\n", expect='"me"')
        assert me["data"]["me"]["role"] == "ADMIN"
        accounts = run_in_graphiql(
            page,
            "{\n  accounts(first: 3) {\n    edges { node { id name phone } }\n  }\n}\n",
            expect='"accounts"',
        )
        assert "errors" not in accounts, accounts
        phones = [edge["node"]["phone"] for edge in accounts["data"]["accounts"]["edges"]]
        assert phones and all("****" in phone for phone in phones), phones
        screenshot(page, "graphiql")

        page.click(".consentql-signed-in button")
        page.wait_for_selector("#consentql-login", timeout=30_000)
        assert introspected_after(watch, "SignOut")
        signed_out = run_in_graphiql(page, "{\n  me {\n    id\n  }\n}\n", expect='"me"')
        assert signed_out["data"]["me"] is None
        leftovers = stored_text(page)
        loaded = loaded_urls(page)

    watch.assert_clean()
    assert watch.password_leaks(password, {"SignIn"}) == []
    assert password not in leftovers
    assert all(url.startswith((server.base, "data:")) for url in loaded), loaded


@requires_browser
def test_production_graphiql_asks_to_sign_in_then_loads_the_schema(tmp_path: Path) -> None:
    """In production anonymous introspection is refused (INTROSPECTION_DISABLED): the panel says
    to sign in, and the schema loads once signed in."""
    with (
        demo_server(tmp_path, production=True) as server,
        chromium(tmp_path, 1440, 900, "graphiql-production") as (_context, page, watch),
    ):
        login, password = server.admin
        open_graphiql(page, server)
        notice = page.wait_for_selector(".consentql-notice", timeout=30_000)
        assert notice is not None and "signed-in callers only" in notice.inner_text()
        assert "INTROSPECTION_DISABLED" in editor_text(page, RESPONSE)
        screenshot(page, "graphiql-production-anonymous")

        sign_in_through_the_panel(page, login, password)
        assert page.query_selector(".consentql-notice") is None
        assert "INTROSPECTION_DISABLED" not in editor_text(page, RESPONSE)
        # The schema is there: the documentation explorer lists the root types.
        page.click("button[aria-label='Show Documentation Explorer']")
        page.wait_for_selector(".graphiql-doc-explorer a:has-text('Query')", timeout=30_000)
        me = run_in_graphiql(page, "{\n  me {\n    role\n  }\n}\n", expect='"me"')
        assert me["data"]["me"]["role"] == "ADMIN"
        screenshot(page, "graphiql-production")
        leftovers = stored_text(page)

    watch.assert_clean()
    assert watch.password_leaks(password, {"SignIn"}) == []
    assert password not in leftovers


@requires_browser
def test_the_panel_shows_an_admins_duties_in_chromium(tmp_path: Path) -> None:
    account = build_schema(Settings())._schema.get_type("Account")
    if "duties" not in getattr(account, "fields", {}):
        pytest.skip("waits on Account.duties (admin duties)")
    with (
        demo_server(tmp_path) as server,
        chromium(tmp_path, 1440, 900, "graphiql-duties") as (_context, page, watch),
    ):
        login, password = server.admin
        duties = server.gql("{ me { duties } }", token=server.admin_token())["me"]["duties"]
        open_graphiql(page, server)
        sign_in_through_the_panel(page, login, password)
        # `duties` is asked for once the reloaded schema has it.
        for duty in duties:
            page.wait_for_selector(f".consentql-duties li:has-text('{duty}')", timeout=30_000)
        assert "WhoAmI" in watch.operations()
    watch.assert_clean()
    assert watch.password_leaks(password, {"SignIn"}) == []
