"""The migrations describe the models exactly, and applying them gives a working database."""

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from api.database import tortoise_config
from tests.conftest import REGISTER, gql, migrated_app, registration_input


async def test_migrations_are_in_step_with_the_models(db: TortoiseContext):
    config = tortoise_config("sqlite://:memory:")
    detector = MigrationAutodetector(db.apps, config["apps"])
    pending = await detector.changes()
    assert pending == [], "run `tortoise makemigrations` and commit models/migrations"


async def test_a_migrated_database_serves_the_api(tmp_path):
    async with migrated_app(tmp_path) as client:
        result = await gql(client, REGISTER, {"input": await registration_input(client)})
    assert result.get("errors") is None, result
