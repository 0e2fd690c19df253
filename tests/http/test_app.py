"""The app at start-up and in operation: health, GraphiQL, masked errors, configuration refused."""

import pytest

from api.cli.database import run_with_database
from api.http.app import create_app
from api.settings import ConfigurationError, Mode, Settings
from models.consent import PolicyVersion
from tests.conftest import gql, make_settings, sign_in

ME = "{ me { name } }"


async def test_graphiql_is_served_to_a_browser(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_unexpected_errors_are_masked_with_internal_server_error_and_logged(
    client, monkeypatch, caplog
):
    token = await sign_in(client)

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail: table order at /srv/db")

    monkeypatch.setattr("api.orders.schema.Order.filter", broken)
    result = await gql(client, "{ orders { edges { cursor } } }", token=token)
    assert result["errors"][0]["message"] == "Unexpected error."
    assert result.codes == ["INTERNAL_SERVER_ERROR"]
    assert "internal detail" not in str(result)
    assert "internal detail" in caplog.text


def test_production_without_a_master_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="CONSENTQL_MASTER_KEY"):
        create_app(Settings(mode=Mode.PRODUCTION, data_dir=tmp_path))


def test_p_region_1_storage_outside_mainland_china_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="P-REGION-1"):
        create_app(make_settings(tmp_path, storage_region="HK"))


def test_development_generates_one_master_key_readable_by_its_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = settings.load_master_key()
    assert len(first) == 32 and settings.load_master_key() == first
    assert oct((tmp_path / "master.key").stat().st_mode & 0o777) == "0o600"


def test_p_sec_2_the_sqlite_files_and_their_folder_are_the_servers_alone(tmp_path):
    """Names, companies, IPs and orders lie in the SQLite file, its WAL and shared memory: none of
    them, nor the folder, is readable by another user of the machine."""
    data = tmp_path / "data"
    settings = make_settings(data, database_url="", argon2_time_cost=1)
    modes: dict[str, int] = {}

    async def write_and_look() -> int:
        await PolicyVersion.all().count()  # the founding policy was written: WAL files exist
        for path in (data, *data.iterdir()):
            modes[path.name] = path.stat().st_mode & 0o777
        return 0

    assert run_with_database(settings, write_and_look) == 0
    assert modes.pop("data") == 0o700
    assert {"consentql.sqlite3", "consentql.sqlite3-wal", "consentql.sqlite3-shm"} <= modes.keys()
    assert set(modes.values()) == {0o600}, modes
