"""Probes: /livez answers without the database, /readyz (and /healthz, its old name) only when
the database answers and every shipped migration is applied."""

import pytest
from tortoise import connections

from api.http.health import RECORDER_TABLE, SHIPPED
from tests.conftest import migrated_app
from tests.http.test_database_unavailable import DATABASE_DOWN, fail_every_query


async def test_livez_answers_while_the_database_is_down(client, db, monkeypatch):
    fail_every_query(db, monkeypatch, DATABASE_DOWN["postgres is shutting down"]())
    assert (await client.get("/livez")).json() == {"status": "ok"}
    for path in ("/readyz", "/healthz"):
        response = await client.get(path)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "database"}


async def test_readyz_waits_for_the_migrations(tmp_path):
    async with migrated_app(tmp_path) as http:
        for path in ("/readyz", "/healthz"):
            ready = await http.get(path)
            assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
        # A release whose migration has not run yet: the worker is not ready.
        newest = max(SHIPPED)
        await connections.get("default").execute_script(
            f'DELETE FROM "{RECORDER_TABLE}" WHERE "name" = \'{newest}\''
        )
        behind = await http.get("/readyz")
    assert behind.status_code == 503
    assert behind.json() == {"status": "unavailable", "reason": "migrations", "pending": 1}


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
async def test_probes_take_get_only(client, path):
    assert (await client.post(path)).status_code == 405
