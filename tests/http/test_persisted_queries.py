"""Automatic persisted queries (hash first, the document on a miss) and the allow-list of trusted
documents (P-SEC-4)."""

import hashlib
import json
import subprocess
import sys

import httpx
import pytest

from api.documents.service import add_documents
from api.graphql.schema import build_schema
from api.http.app import create_app
from api.http.persisted_queries import DocumentCache
from tests.conftest import (
    LOGIN,
    REGISTER,
    REQUEST_CODE,
    admin_token,
    cli_environment,
    make_settings,
    sign_in,
)

POLICY = "{ dataCategories { id } }"
ME = "{ me { name } }"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str, *, send_document: bool) -> dict:
    body: dict = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}}
    if send_document:
        body["query"] = document
    return body


async def post(http: httpx.AsyncClient, body: dict, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json=body, headers=headers)


def code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


async def test_p_sec_4_hash_first_then_the_document_on_a_miss(client):
    miss = await post(client, persisted(POLICY, send_document=False))
    assert (miss.status_code, code(miss)) == (200, "PERSISTED_QUERY_NOT_FOUND")
    assert "data" not in miss.json()
    registered = await post(client, persisted(POLICY, send_document=True))
    assert registered.status_code == 200 and registered.json()["data"]["dataCategories"]
    hit = await post(client, persisted(POLICY, send_document=False))
    assert hit.json() == registered.json()


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {
                "query": ME,
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(POLICY)}},
            },
            400,
            "PERSISTED_QUERY_HASH_MISMATCH",
        ),
        (
            {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha256(ME)}}},
            400,
            "BAD_REQUEST",
        ),
        (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab"}}},
            400,
            "BAD_REQUEST",
        ),
        ({"extensions": {"persistedQuery": "yes"}}, 400, "BAD_REQUEST"),
    ],
)
async def test_a_persisted_query_that_does_not_add_up_is_refused(client, body, status, expected):
    response = await post(client, body)
    assert (response.status_code, code(response)) == (status, expected)


def test_the_cache_keeps_at_most_its_bytes_dropping_the_least_recently_used():
    cache = DocumentCache(max_bytes=10)
    cache.put("a", "12345")
    cache.put("b", "12345")
    assert cache.get("a") == "12345"  # now b is the least recently used
    cache.put("c", "123")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("12345", None, "123")
    cache.put("huge", "x" * 11)
    assert cache.get("huge") is None and cache.size <= 10


async def test_p_sec_4_only_trusted_documents_run_when_the_allow_list_is_on(db, tmp_path):
    settings = make_settings(tmp_path, trusted_documents_only=True)
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        refused = await post(http, {"query": POLICY})
        assert (refused.status_code, code(refused)) == (403, "DOCUMENT_NOT_TRUSTED")
        by_hash = await post(http, persisted(POLICY, send_document=False))
        assert code(by_hash) == "PERSISTED_QUERY_NOT_FOUND"
        # Registering by APQ does not make a document trusted.
        registering = await post(http, persisted(POLICY, send_document=True))
        assert (registering.status_code, code(registering)) == (403, "DOCUMENT_NOT_TRUSTED")

        await add_documents(build_schema(settings)._schema, {"policy.graphql": POLICY})
        assert "data" in (await post(http, {"query": POLICY})).json()
        assert "data" in (await post(http, persisted(POLICY, send_document=False))).json()
        # Another text, even one character apart, is another document.
        spaced = await post(http, {"query": POLICY + " "})
        assert code(spaced) == "DOCUMENT_NOT_TRUSTED"


async def test_admins_run_any_document_and_what_they_register_runs_for_no_one_else(db, tmp_path):
    settings = make_settings(tmp_path, trusted_documents_only=True)
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        # Signing in is a trusted document like any other: the tests' own LOGIN.
        await add_documents(build_schema(settings)._schema, {"login.graphql": LOGIN})
        admin = await admin_token(http, settings)
        assert (await post(http, {"query": ME}, token=admin)).json() == {
            "data": {"me": {"name": "管理员"}}
        }
        assert (await post(http, persisted(ME, send_document=True), token=admin)).status_code == 200
        http.cookies.clear()
        others = await post(http, persisted(ME, send_document=False))
        assert code(others) == "PERSISTED_QUERY_NOT_FOUND"


def test_documents_add_stores_a_folder_and_refuses_a_broken_one_whole(tmp_path):
    folder = tmp_path / "documents"
    (folder / "screens").mkdir(parents=True)
    (folder / "policy.graphql").write_text(POLICY, encoding="utf-8")
    (folder / "screens" / "me.graphql").write_text(ME + "\n", encoding="utf-8")
    env = cli_environment(tmp_path)
    command = [sys.executable, "-m", "api.cli", "documents", "add", str(folder), "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert {(row["file"], row["sha256"]) for row in json.loads(done.stdout)} == {
        ("policy.graphql", sha256(POLICY)),
        ("screens/me.graphql", sha256(ME + "\n")),
    }
    (folder / "broken.graphql").write_text("{ noSuchField }", encoding="utf-8")
    (folder / "new.graphql").write_text("{ affiliates { id } }", encoding="utf-8")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 2 and "broken.graphql" in broken.stderr
    (folder / "broken.graphql").unlink()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    stored = {row["file"]: row["new"] for row in json.loads(again.stdout)}
    assert stored == {"new.graphql": True, "policy.graphql": False, "screens/me.graphql": False}


async def test_a_person_is_not_an_admin_for_the_allow_list(db, tmp_path):
    settings = make_settings(tmp_path, trusted_documents_only=True)
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consentql.test") as http:
        await add_documents(
            build_schema(settings)._schema,
            {"code.graphql": REQUEST_CODE, "register.graphql": REGISTER, "login.graphql": LOGIN},
        )
        person = await sign_in(http)
        refused = await post(http, {"query": ME}, token=person)
        assert (refused.status_code, code(refused)) == (403, "DOCUMENT_NOT_TRUSTED")
