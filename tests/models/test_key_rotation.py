"""Master-key rotation: data keys re-wrapped under a new master key, look-ups unchanged, and a
backup from before the rotation unreadable once the old key is gone (P-DELETE-2)."""

import base64
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from cryptography.exceptions import InvalidTag

from api import cli
from api.http.app import create_app
from api.settings import ConfigurationError, Settings
from models import keyring
from models.accounts import Account
from models.key_rotation import (
    Rotation,
    UnknownMasterKeys,
    master_key_ids_in_use,
    read_batch,
    rewrap_batch,
    rewrap_data_keys,
)
from models.keys import DataKey
from tests.conftest import MASTER_KEY, gql, make_settings, register, sign_in

NEW_MASTER_KEY = base64.b64encode(b"n" * 32).decode()
OTHER_MASTER_KEY = base64.b64encode(b"o" * 32).decode()
ME = "{ me { phone email name } }"


def pinned_lookup_key() -> str:
    """What `consentql keys lookup-key` prints under the running configuration."""
    return base64.b64encode(keyring.active().lookup_key).decode()


def pinned_keys() -> dict[str, str]:
    """The look-up and audit keys, as `consentql keys lookup-key` and `keys audit-key` print
    them under the running configuration."""
    return {
        "lookup_key": pinned_lookup_key(),
        "audit_key": base64.b64encode(keyring.active().audit.key).decode(),
    }


def rotating(tmp_path: Path, pinned: dict[str, str], *previous: str) -> Settings:
    """The new master key active, the old ones listed as previous, the derived keys pinned."""
    return make_settings(
        tmp_path, master_key=NEW_MASTER_KEY, previous_master_keys=list(previous), **pinned
    )


def http(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings, manage_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rotated")


async def test_rotation_rewraps_every_data_key_and_sign_in_and_reads_go_on(client, tmp_path):
    token_before = await sign_in(client, 1)
    await register(client, 2)
    old_id = keyring.active().key_id
    pinned = pinned_keys()

    async with http(rotating(tmp_path, pinned, MASTER_KEY)) as during:
        # Mid-rotation both master keys open data keys: nothing waits for the rotation.
        assert (await gql(during, ME, token=token_before)).data["me"]["phone"] == "13800130001"
        rotation = await rewrap_data_keys()
    assert rotation == Rotation(rewrapped=2)
    assert await master_key_ids_in_use() == {keyring.active().key_id: 2}
    assert keyring.active().key_id != old_id

    # The old key dropped from configuration: the look-up hashes still match, the keys open.
    async with http(rotating(tmp_path, pinned)) as after:
        token_after = await sign_in_again(after, "13800130002")
        me = (await gql(after, ME, token=token_after)).data["me"]
        assert me == {"phone": "13800130002", "email": "zhang.san2@example.com", "name": "张三"}
        assert (await rewrap_data_keys()) == Rotation()


async def sign_in_again(client: httpx.AsyncClient, phone: str) -> str:
    result = await gql(
        client,
        "mutation($input: LoginInput!) { login(input: $input) { token } }",
        {"input": {"login": phone, "password": "correct horse battery"}},
    )
    assert not result.get("errors"), result
    return result.data["login"]["token"]


async def test_p_delete_2_a_backup_from_before_a_rotation_is_unreadable_once_the_old_key_is_gone(
    client, tmp_path
):
    await register(client, 1)
    account = await Account.get(phone_hash__not_isnull=True).select_related("data_key")
    # What a backup taken now holds of this person's data key.
    backup = (account.data_key.wrapped, account.data_key.master_key_id)
    pinned = pinned_keys()
    keyring.install(rotating(tmp_path, pinned, MASTER_KEY).load_keyring())
    await rewrap_data_keys()

    keyring.install(rotating(tmp_path, pinned).load_keyring())
    wrapped, old_id = backup
    assert wrapped is not None
    with pytest.raises(keyring.UnknownMasterKey):
        keyring.active().unwrap(wrapped, old_id)
    # Nor does the new master key open it under its own id: the wrapping is bound to the key.
    with pytest.raises(InvalidTag):
        keyring.active().unwrap(wrapped, keyring.active().key_id)
    restored = await Account.get(id=account.id).select_related("data_key")
    assert restored.phone == "13800130001"  # the live database, re-wrapped, still opens


async def test_a_key_erased_while_the_rotation_runs_stays_erased(client, tmp_path):
    await register(client, 1)
    await register(client, 2)
    keyring.install(rotating(tmp_path, pinned_keys(), MASTER_KEY).load_keyring())
    keys = await read_batch(after_id=0)
    erased = await DataKey.get(id=keys[0][0])
    await erased.destroy()

    rotation = Rotation()
    await rewrap_batch(keys, rotation)

    assert rotation == Rotation(rewrapped=1, changed_meanwhile=1)
    assert (await DataKey.get(id=erased.id)).wrapped is None


async def test_rotation_refuses_keys_of_an_unconfigured_master_key_and_changes_nothing(
    client, tmp_path
):
    await register(client, 1)
    before = await master_key_ids_in_use()
    settings = make_settings(tmp_path, master_key=OTHER_MASTER_KEY, lookup_key=pinned_lookup_key())
    keyring.install(settings.load_keyring())

    with pytest.raises(UnknownMasterKeys) as refused:
        await rewrap_data_keys()

    assert refused.value.key_ids == list(before)
    assert await master_key_ids_in_use() == before


def test_previous_master_keys_without_a_pinned_lookup_key_refuse_to_start(tmp_path):
    settings = make_settings(tmp_path, master_key=NEW_MASTER_KEY, previous_master_keys=[MASTER_KEY])
    with pytest.raises(ConfigurationError, match="CONSENTQL_LOOKUP_KEY"):
        settings.load_keyring()


def test_p_sec_5_previous_master_keys_without_a_pinned_audit_key_refuse_to_start(tmp_path):
    """The audit key is derived from the master key until pinned: rotating the master key
    unpinned would leave every audit link made so far under a key no one configures."""
    settings = make_settings(
        tmp_path,
        master_key=NEW_MASTER_KEY,
        previous_master_keys=[MASTER_KEY],
        lookup_key=MASTER_KEY,
    )
    with pytest.raises(ConfigurationError, match="CONSENTQL_AUDIT_KEY"):
        settings.load_keyring()


@pytest.mark.parametrize("field", ["master_key", "lookup_key", "audit_key"])
@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_refuses_to_start_and_names_its_setting(tmp_path, field, value):
    settings = make_settings(tmp_path, **{field: value})
    with pytest.raises(ConfigurationError, match=f"CONSENTQL_{field.upper()}"):
        settings.load_keyring()


def test_consentql_keys_rotate_then_status_the_whole_procedure(tmp_path, monkeypatch, capsys):
    """docs/deploy.md, "Rotating the master key", on the command line against a SQLite file."""
    for name, value in {
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite://{tmp_path / 'rotation.sqlite3'}",
        "MASTER_KEY": MASTER_KEY,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
    }.items():
        monkeypatch.setenv(f"CONSENTQL_{name}", value)
    assert cli.main(["seed", "--demo"]) == 0
    capsys.readouterr()
    assert cli.main(["keys", "lookup-key"]) == 0
    lookup_key = capsys.readouterr().out.strip()
    assert cli.main(["keys", "audit-key"]) == 0
    monkeypatch.setenv("CONSENTQL_AUDIT_KEY", capsys.readouterr().out.strip())

    monkeypatch.setenv("CONSENTQL_MASTER_KEY", NEW_MASTER_KEY)
    monkeypatch.setenv("CONSENTQL_PREVIOUS_MASTER_KEYS", json.dumps([MASTER_KEY]))
    assert cli.main(["keys", "rotate"]) == 2  # refused: the look-up key is not pinned yet
    assert "CONSENTQL_LOOKUP_KEY" in capsys.readouterr().err
    monkeypatch.setenv("CONSENTQL_LOOKUP_KEY", lookup_key)
    assert cli.main(["keys", "rotate"]) == 0
    rotated = capsys.readouterr().out
    with closing(sqlite3.connect(tmp_path / "rotation.sqlite3")) as raw:
        [(live,)] = raw.execute("SELECT count(*) FROM data_key WHERE wrapped IS NOT NULL")
    assert live > 40 and f"{live} data keys re-wrapped" in rotated  # the demo's 40 people, ...

    monkeypatch.delenv("CONSENTQL_PREVIOUS_MASTER_KEYS")
    assert cli.main(["keys", "status"]) == 0
    status = capsys.readouterr().out
    # The audit ledger written under the old master key still verifies (P-SEC-5).
    assert cli.main(["audit", "verify"]) == 0
    assert keyring.master_key_id(base64.b64decode(NEW_MASTER_KEY)) in status
    assert keyring.master_key_id(base64.b64decode(MASTER_KEY)) not in status

    # A wrong master key: status names the keys it cannot open and fails.
    monkeypatch.setenv("CONSENTQL_MASTER_KEY", OTHER_MASTER_KEY)
    assert cli.main(["keys", "status"]) == 1
    assert "cannot be opened" in capsys.readouterr().out
