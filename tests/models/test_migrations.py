"""The migrations describe the models exactly, and applying them gives a working database."""

import httpx
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from api.database import migrate, tortoise_config
from api.http.app import create_app
from tests.conftest import (
    POSTGRES_URL,
    REGISTER,
    fresh_database_url,
    gql,
    make_settings,
    registration_input,
)


async def test_migrations_are_in_step_with_the_models(db: TortoiseContext):
    config = tortoise_config("sqlite://:memory:")
    detector = MigrationAutodetector(db.apps, config["apps"])
    pending = await detector.changes()
    assert pending == [], "run `tortoise makemigrations` and commit models/migrations"


async def test_a_migrated_database_serves_the_api(tmp_path):
    # A file, not :memory:, so the migrating and the serving connections see one database.
    url = (POSTGRES_URL and fresh_database_url()) or f"sqlite://{tmp_path / 'migrated.sqlite3'}"
    settings = make_settings(tmp_path, database_url=url)
    app = create_app(settings, manage_database=False)
    await Tortoise.init(config=tortoise_config(url), _create_db=True)
    await Tortoise.close_connections()
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            result = await gql(client, REGISTER, {"input": await registration_input(client)})
        assert result.get("errors") is None, result
    finally:
        if url.startswith("postgres"):
            await Tortoise._drop_databases()
        else:
            await Tortoise.close_connections()
