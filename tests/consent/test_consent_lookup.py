"""The consent look-up and the page of consenting people are compiled once per page shape
(models.statements) and bound to each request's client: two clients asking for pages of the same
shape, one after the other, each list the people consenting to them and get their own consents,
and a withdrawal counts on the very next request (P-SHARE-1, P-SHARE-2, P-WITHDRAW-1)."""

import pytest

from tests.conftest import admin_token, gql, person
from tests.sharing import (
    WITHDRAW_CONSENT,
    create_affiliate,
    grant,
    issue_client,
    listed_ids,
    ok,
    person_with_id,
    publish_policy,
)

CONTACTS = "{ accounts(first: 10) { edges { node { id phone email } } } }"


@pytest.fixture
async def two_clients(client, settings):
    """Clients of two recipients; person 0 gave the first their phone and the second their
    email, person 1 the other way round."""
    await publish_policy()
    admin = await admin_token(client, settings)
    first = await create_affiliate(client, admin, name="甲")
    second = await create_affiliate(client, admin, name="乙")
    people = [await person_with_id(client, n) for n in (0, 1)]
    (zero, zero_id), (one, one_id) = people
    consents = {
        "zero_first": await grant(client, zero, first, categories=("contact.phone",)),
        "zero_second": await grant(client, zero, second, categories=("contact.email",)),
        "one_first": await grant(client, one, first, categories=("contact.email",)),
        "one_second": await grant(client, one, second, categories=("contact.phone",)),
    }
    return {
        "first": await issue_client(client, admin, first),
        "second": await issue_client(client, admin, second),
        "ids": {zero_id: 0, one_id: 1},
        "second_affiliate": second,
        "zero": zero,
        "consents": consents,
    }


async def clear_fields(client, token, ids) -> dict[int, set[str]]:
    """For each person listed (by their number), which of phone and email came in clear."""
    edges = ok(await gql(client, CONTACTS, token=token))["accounts"]["edges"]
    shown: dict[int, set[str]] = {}
    for edge in edges:
        n = ids[edge["node"]["id"]]
        shown[n] = {f for f in ("phone", "email") if edge["node"][f] == person(n)[f]}
    return shown


async def test_p_share_2_clients_in_turn_each_see_what_was_consented_to_them(client, two_clients):
    first, second, ids = two_clients["first"], two_clients["second"], two_clients["ids"]
    for _ in range(2):
        assert await clear_fields(client, first, ids) == {0: {"phone"}, 1: {"email"}}
        assert await clear_fields(client, second, ids) == {0: {"email"}, 1: {"phone"}}


async def test_p_withdraw_1_a_withdrawal_counts_on_the_next_request(client, two_clients):
    first, ids = two_clients["first"], two_clients["ids"]
    assert await clear_fields(client, first, ids) == {0: {"phone"}, 1: {"email"}}
    consent = two_clients["consents"]["zero_first"]
    zero = two_clients["zero"]
    withdrawn = await gql(client, WITHDRAW_CONSENT, {"id": consent["id"]}, token=zero)
    assert ok(withdrawn)["withdrawConsent"]["endedReason"] == "WITHDRAWN"
    assert await clear_fields(client, first, ids) == {1: {"email"}}
    assert await clear_fields(client, two_clients["second"], ids) == {0: {"email"}, 1: {"phone"}}


async def test_p_share_1_clients_in_turn_each_list_only_the_people_consenting_to_them(
    client, two_clients
):
    first, second, ids = two_clients["first"], two_clients["second"], two_clients["ids"]
    two, two_id = await person_with_id(client, 2)
    only_second = await grant(client, two, two_clients["second_affiliate"])
    for _ in range(2):
        assert await listed_ids(client, first) == set(ids)
        assert await listed_ids(client, second) == {*ids, two_id}
    withdrawn = await gql(client, WITHDRAW_CONSENT, {"id": only_second["id"]}, token=two)
    assert ok(withdrawn)["withdrawConsent"]["endedReason"] == "WITHDRAWN"
    assert await listed_ids(client, second) == set(ids)
