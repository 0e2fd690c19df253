"""`consentql seed --demo`: an empty database gets a realistic demo, a used one is left alone."""

import random

import pytest

from api.auth.passwords import Passwords
from api.cli import demo
from api.cli.demo import ADMIN_PASSWORD, ADMIN_PHONE, PERSON_PASSWORD, SEED, People, seed
from api.database import prepare_storage
from api.validation import email_address, mainland_mobile
from models.accounts import Account, DeviceLog, LoginRecord, Role
from models.consent import ApiClient, Consent, PolicyVersion
from models.orders import Order, OrderKind, ProductType
from models.reservations import Reservation
from tests.conftest import LOGIN, gql

PEOPLE = 12
ME = "{ me { id phone name role } }"
ACCOUNTS = "{ accounts(first: 50) { edges { node { id name } } } }"


async def test_seed_returns_an_admin_sign_in_that_works_over_http(client, settings):
    admin_login = await seed(settings, people=PEOPLE)
    assert admin_login == (ADMIN_PHONE, ADMIN_PASSWORD)

    result = await gql(client, LOGIN, {"input": {"login": ADMIN_PHONE, "password": ADMIN_PASSWORD}})
    assert not result.get("errors"), result
    token = result.data["login"]["token"]
    me = await gql(client, ME, token=token)
    assert me.data["me"]["role"] == Role.ADMIN
    assert me.data["me"]["phone"] == ADMIN_PHONE
    listed = await gql(client, ACCOUNTS, token=token)
    assert not listed.get("errors"), listed
    assert len(listed.data["accounts"]["edges"]) == PEOPLE + 1


async def test_demo_people_sign_in_with_the_shared_password(client, settings):
    await seed(settings, people=PEOPLE)
    person = await Account.filter(role=Role.USER).select_related("data_key").first()
    assert person is not None
    result = await gql(
        client, LOGIN, {"input": {"login": person.email, "password": PERSON_PASSWORD}}
    )
    assert not result.get("errors"), result
    assert result.data["login"]["account"]["name"] == person.name


def test_demo_hashes_are_cheap_and_rehashed_to_full_strength_on_sign_in(settings):
    full = settings.model_copy(
        update={"argon2_time_cost": 3, "argon2_memory_kib": 65536, "argon2_parallelism": 4}
    )
    cheap_hash = demo.cheap_passwords(full)._hasher.hash(PERSON_PASSWORD)
    assert "m=8192,t=1,p=1" in cheap_hash
    # Login rehashes whatever `needs_rehash` flags, so the first sign-in brings it to strength.
    assert Passwords(full).needs_rehash(cheap_hash)


async def test_demo_content_is_realistic_and_valid(db, settings):
    prepare_storage(settings)
    await seed(settings, people=PEOPLE)

    people = await Account.filter(role=Role.USER).select_related("data_key")
    assert len(people) == PEOPLE
    for person in people:
        phone, email = person.phone, person.email
        assert phone is not None and mainland_mobile(phone) == phone
        assert email is not None and email_address(email) == email
        assert email.endswith(("@example.com", "@example.cn"))
        assert 2 <= len(person.name) <= 3 and person.province and person.city

    kinds = set(await Order.all().values_list("kind", flat=True))
    assert kinds == {OrderKind.SUBSCRIPTION, OrderKind.CONSUMPTION}
    types = set(await Order.all().values_list("product_type", flat=True))
    assert types <= set(ProductType) and len(types) >= 3

    reservations = await Reservation.all().select_related("data_key")
    assert len({row.province for row in reservations}) >= 3
    linked = [row for row in reservations if row.account_id is not None]
    anonymous = [row for row in reservations if row.account_id is None]
    assert linked and anonymous
    assert all(mainland_mobile(row.phone or "") for row in reservations)

    assert await LoginRecord.exists() and await DeviceLog.exists()
    assert await PolicyVersion.filter(version="2022-06-07").exists()
    assert 0 < await Consent.all().count() < PEOPLE
    assert await ApiClient.all().count() == 1


async def test_seed_is_deterministic(db, settings):
    prepare_storage(settings)
    await seed(settings, people=PEOPLE)
    names = await Account.all().order_by("id").values_list("name", flat=True)
    assert names[1:4] and len(set(names)) > 1
    # The generator is seeded: the same people come out every time (README queries rely on it).
    generator = People(random.Random(SEED))
    assert [generator.next().name for _ in range(3)] == names[1:4]


async def test_second_seed_returns_none_and_adds_nothing(db, settings):
    prepare_storage(settings)
    assert await seed(settings, people=PEOPLE) is not None
    counts = [
        await model.all().count() for model in (Account, Order, Reservation, LoginRecord, Consent)
    ]
    assert await seed(settings, people=PEOPLE) is None
    assert [
        await model.all().count() for model in (Account, Order, Reservation, LoginRecord, Consent)
    ] == counts


async def test_a_failed_seed_leaves_nothing(db, settings, monkeypatch):
    prepare_storage(settings)

    async def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "share_with_affiliate", broken)
    with pytest.raises(RuntimeError):
        await seed(settings, people=PEOPLE)
    assert not await Account.exists()
    assert not await Order.exists() and not await Reservation.exists()
    assert not await PolicyVersion.exists()
