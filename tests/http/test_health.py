"""Probes: /livez answers without the database, /readyz (and /healthz, its old name) only when
the database answers and every shipped migration is applied."""

import httpx
import pytest
from tortoise import Tortoise, connections

from api.database import migrate, tortoise_config
from api.http.app import create_app
from api.http.health import RECORDER_TABLE, SHIPPED
from tests.conftest import POSTGRES_URL, fresh_database_url, make_settings
from tests.http.test_database_unavailable import DATABASE_DOWN, fail_every_query


async def test_livez_answers_while_the_database_is_down(client, db, monkeypatch):
    fail_every_query(db, monkeypatch, DATABASE_DOWN["postgres is shutting down"]())
    assert (await client.get("/livez")).json() == {"status": "ok"}
    for path in ("/readyz", "/healthz"):
        response = await client.get(path)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "database"}


async def test_readyz_waits_for_the_migrations(tmp_path):
    url = (POSTGRES_URL and fresh_database_url()) or f"sqlite://{tmp_path / 'probe.sqlite3'}"
    settings = make_settings(tmp_path, database_url=url)
    app = create_app(settings, manage_database=False)
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    await Tortoise.close_connections()
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as http:
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
    finally:
        if url.startswith("postgres"):
            await Tortoise._drop_databases()
        else:
            await Tortoise.close_connections()


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
async def test_probes_take_get_only(client, path):
    assert (await client.post(path)).status_code == 405
