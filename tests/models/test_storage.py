"""What lands in the database: sealed contact data, nothing half-written, no N+1."""

import pytest
from tortoise import connections

from bench.statements import counting_statements
from models import keyring
from models.accounts import Account
from models.keys import DataKey
from tests.conftest import (
    PLACE_ORDER,
    POSTGRES_URL,
    REGISTER,
    admin_token,
    gql,
    make_settings,
    person,
    register,
    sign_in,
)


async def raw_dump() -> str:
    """Every table's every value as text, the way someone with the database file would see it."""
    connection = connections.get("default")
    if POSTGRES_URL:
        tables = await connection.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    else:
        tables = await connection.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    dump = []
    for table in tables:
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table["name"]}"')
        dump.extend(repr(value) for row in rows for value in row.values())
    return "\n".join(dump)


async def test_p_sec_2_no_phone_or_email_in_the_raw_database(client):
    await register(client)
    dump = await raw_dump()
    assert "Account" not in dump  # sanity: values, not names
    assert "zhang.san0" not in dump
    assert "13800130000" not in dump and "0130000" not in dump
    assert "张三" in dump  # names are not sealed: the check would catch them


async def test_p_sec_2_passwords_are_argon2id(client):
    await register(client)
    account = await Account.get(name="张三")
    assert account.password_hash.startswith("$argon2id$")


async def test_destroying_the_data_key_makes_sealed_values_unreadable(client):
    await register(client)
    account = await Account.get(name="张三").select_related("data_key")
    assert account.phone == "13800130000"
    await account.data_key.destroy()
    reloaded = await Account.get(id=account.id).select_related("data_key")
    assert reloaded.phone is None and reloaded.email is None
    assert reloaded.phone_sealed is not None  # the ciphertext is still there, and useless


async def test_a_blob_cannot_be_opened_as_another_column():
    keyring.install(keyring.Keyring.from_master_key(b"k" * 32))
    ring = keyring.active()
    cipher = keyring.cipher(ring.unwrap(ring.new_wrapped_data_key(), ring.key_id))
    blob = keyring.seal(cipher, "13800130000", "account.phone")
    assert keyring.unseal(cipher, blob, "account.phone") == "13800130000"
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        keyring.unseal(cipher, blob, "account.email")


async def test_p_collect_1_invalid_registrations_write_nothing(client):
    bad = [
        {"phone": "1380013"},
        {"phone": "+85291234567"},
        {"phone": "01012345678"},
        {"email": "zhang@"},
        {"email": ""},
        {"name": ""},
        {"name": "   "},
        {"name": "名" * 65},
        {"company": ""},
        {"company": "c\u0007"},
        {"password": "short"},
        {"password": "x13800130000x"},
    ]
    for change in bad:
        # Refused as malformed before any code is looked at.
        result = await gql(client, REGISTER, {"input": {**person(**change), "code": "000000"}})
        assert result.codes == ["VALIDATION_FAILED"], (change, result)
        assert result["errors"][0]["extensions"]["field"] in change
    assert await Account.all().count() == 0
    assert await DataKey.all().count() == 0


ADMIN_LIST = """
query($first: Int) {
  accounts(first: $first) {
    edges { node { id phone name
                   orders(first: 5) { edges { node { product } } }
                   reservations { edges { node { city } } }
                   loginRecords { edges { node { ip } } } } }
  }
}"""


@pytest.fixture
def settings(tmp_path):
    # Nested connections need depth 7; the default limit of 6 (graphql-armor's) would refuse it.
    return make_settings(tmp_path, query_max_depth=8)


async def test_statements_of_a_list_query_do_not_grow_with_the_page_size(client, settings):
    token = await admin_token(client, settings)
    for n in range(12):
        owner = await sign_in(client, n)
        await gql(
            client,
            PLACE_ORDER,
            {
                "input": {
                    "kind": "CONSUMPTION",
                    "product": f"p{n}",
                    "productType": "GOODS",
                    "amount": "1.00",
                }
            },
            token=owner,
        )
    counts = {}
    for first in (2, 12):
        with counting_statements() as counter:
            result = await gql(client, ADMIN_LIST, {"first": first}, token=token)
        assert len(result.data["accounts"]["edges"]) == first
        counts[first] = len(counter.statements)
    assert counts[2] == counts[12] > 3, counts
