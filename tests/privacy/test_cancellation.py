"""Cancellation, erasure and its replay after a backup restore, through the HTTP API."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from api.auth.tokens import CLIENT_PREFIX, digest, new_token
from api.privacy.erasure import replay_erasures
from models.accounts import Account, AccountStatus
from models.clock import set_clock, utcnow
from models.consent import Affiliate, AffiliateKind, ApiClient, Consent, PolicyVersion, text_digest
from models.keys import DataKey
from models.orders import Order
from models.privacy import ErasureTombstone, PrivacyRequest
from models.reservations import Reservation
from tests.conftest import (
    LOGIN,
    REGISTER,
    admin_token,
    gql,
    person,
    registration_input,
    sign_in,
)

NOW = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)

CANCEL = """
mutation($password: String!) {
  requestAccountCancellation(password: $password) { id kind status dueOn }
}"""
ME = "{ me { id name } }"
ACCOUNTS = "{ accounts { edges { node { id name } } } }"
ACCOUNT = "query($id: ID!) { account(id: $id) { id name } }"
RESOLVE = """
mutation($input: ResolvePrivacyRequestInput!) { resolvePrivacyRequest(input: $input) { status } }
"""
SUBMIT = """
mutation($input: SubmitPrivacyRequestInput!) { submitPrivacyRequest(input: $input) { id } }
"""
RESERVE = """
mutation($input: CreateReservationInput!) { createReservation(input: $input) { id } }
"""
PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"


@pytest.fixture
def clock() -> Iterator[None]:
    set_clock(lambda: NOW)
    yield
    set_clock()


async def client_token(account_id: int, kind: AffiliateKind = AffiliateKind.AFFILIATE) -> str:
    """A recipient's API client, and the person's consent to it for their name."""
    version = await PolicyVersion.create(
        version="2022-06-07",
        published_at=datetime(2022, 6, 1, tzinfo=UTC),
        effective_at=datetime(2022, 6, 7, tzinfo=UTC),
        digest=text_digest("policy"),
        summary="",
        controller="consentql",
        contact_phone="400-1100-868",
        contact_email="privacy@example.com",
        registered_address="北京",
        contact_address="北京",
    )
    affiliate = await Affiliate.create(name="翼支付", kind=kind, region="CN", purposes=["service"])
    await Consent.create(
        account_id=account_id,
        recipient=affiliate,
        purpose="service",
        categories=["identity.name"],
        policy_version=version,
        granted_at=utcnow(),
        evidence_channel="web",
    )
    token = new_token(CLIENT_PREFIX)
    await ApiClient.create(
        affiliate=affiliate,
        name="app",
        purpose="service",
        categories=["identity.name"],
        token_hash=digest(token),
    )
    return token


async def fill_account(client, token: str) -> None:
    order = {"kind": "CONSUMPTION", "product": "流量包", "productType": "MOBILE", "amount": "30"}
    assert not (await gql(client, PLACE, {"input": order}, token=token)).get("errors")
    reservation = {
        "product": "千兆宽带",
        "phone": "13912345678",
        "name": "张三",
        "email": "zhang@example.com",
        "province": "广东",
        "city": "深圳",
    }
    assert not (await gql(client, RESERVE, {"input": reservation}, token=token)).get("errors")


async def cancel(client, token: str) -> dict:
    result = await gql(client, CANCEL, {"password": person()["password"]}, token=token)
    assert not result.get("errors"), result
    return result.data["requestAccountCancellation"]


async def test_p_cancel_1_cancellation_stops_sign_in_and_ends_every_session(client, clock):
    token = await sign_in(client)
    login = {"login": person()["phone"], "password": person()["password"]}
    other = (await gql(client, LOGIN, {"input": login})).data["login"]["token"]
    wrong = await gql(client, CANCEL, {"password": "not my password"}, token=token)
    assert wrong.codes == ["VALIDATION_FAILED"]
    assert (await gql(client, ME, token=token)).data["me"] is not None

    response = await client.post(
        "/graphql",
        json={"query": CANCEL, "variables": {"password": person()["password"]}},
        headers={"authorization": f"Bearer {token}"},
    )
    request = response.json()["data"]["requestAccountCancellation"]
    # Monday 28 September 2026 + 15 working days: National Day week off, Saturday 10 October on.
    assert request | {"id": None} == {
        "id": None,
        "kind": "CANCEL_ACCOUNT",
        "status": "IN_PROGRESS",
        "dueOn": "2026-10-23",
    }
    assert 'consentql_session=""' in response.headers["set-cookie"]
    for session in (token, other):
        assert (await gql(client, ME, token=session)).codes == ["TOKEN_REVOKED"]
    again = await gql(client, LOGIN, {"input": login})
    assert again.codes == ["INVALID_CREDENTIALS"]
    account = await Account.get()
    assert account.status == AccountStatus.CANCELLING


async def test_p_retain_2_a_cancelling_person_is_hidden_from_every_api_client(client, clock):
    token = await sign_in(client)
    account = await Account.get()
    affiliate = await client_token(account.id)
    listed = await gql(client, ACCOUNTS, token=affiliate)
    assert [edge["node"]["name"] for edge in listed.data["accounts"]["edges"]] == ["张三"]
    await cancel(client, token)
    assert (await gql(client, ACCOUNTS, token=affiliate)).data["accounts"]["edges"] == []
    one = await gql(client, ACCOUNT, {"id": str(account.id)}, token=affiliate)
    assert one.codes == ["NOT_FOUND"]


async def test_p_collect_7_p_delete_1_erasure_destroys_the_key_and_unlinks_what_is_kept(
    client, settings, clock
):
    token = await sign_in(client)
    await fill_account(client, token)
    request = await cancel(client, token)
    admin = await admin_token(client, settings)
    done = await gql(
        client, RESOLVE, {"input": {"id": request["id"], "status": "COMPLETED"}}, token=admin
    )
    assert done.data["resolvePrivacyRequest"]["status"] == "COMPLETED"

    account = await Account.get(role="USER").select_related("data_key")
    assert account.status == AccountStatus.ERASED
    assert account.data_key.wrapped is None
    assert (account.name, account.company, account.province, account.city) == ("", "", None, None)
    assert (account.phone_hash, account.email_hash, account.password_hash) == (None, None, None)
    assert account.phone is None
    reservation = await Reservation.get()
    assert (reservation.name, reservation.city, reservation.phone_sealed) == ("", "", None)
    order = await Order.get()
    assert order.account_id is None and order.amount == 30
    tombstone = await ErasureTombstone.get()
    assert (tombstone.account_id, tombstone.data_key_id, tombstone.ground) == (
        account.id,
        account.data_key.id,
        "STOPPED_USING",
    )
    # Nothing finds the person by phone any more, and the number may register anew.
    assert await Account.filter(phone_hash__not_isnull=True, role="USER").count() == 0
    assert not (await gql(client, REGISTER, {"input": await registration_input(client)})).get(
        "errors"
    )


async def test_p_delete_1_a_granted_deletion_request_erases_the_person(client, settings, clock):
    token = await sign_in(client)
    submitted = await gql(
        client, SUBMIT, {"input": {"kind": "DELETION", "ground": "NO_CONSENT"}}, token=token
    )
    request_id = submitted.data["submitPrivacyRequest"]["id"]
    admin = await admin_token(client, settings)
    await gql(client, RESOLVE, {"input": {"id": request_id, "status": "COMPLETED"}}, token=admin)
    account = await Account.get(role="USER")
    assert account.status == AccountStatus.ERASED
    assert (await ErasureTombstone.get()).ground == "NO_CONSENT"
    assert (await PrivacyRequest.get(id=int(request_id))).details_sealed is None
    assert (await gql(client, ME, token=token)).codes == ["TOKEN_REVOKED"]


async def test_p_delete_2_a_restored_backup_is_erased_again_from_the_tombstones(
    client, settings, clock
):
    token = await sign_in(client)
    await fill_account(client, token)
    account = await Account.get()
    key = await DataKey.get(id=account.data_key_id)
    saved_account = (await Account.filter(id=account.id).values())[0]
    saved_key = key.wrapped
    request = await cancel(client, token)
    admin = await admin_token(client, settings)
    await gql(client, RESOLVE, {"input": {"id": request["id"], "status": "COMPLETED"}}, token=admin)

    # The restore: yesterday's rows come back, the tombstone table is today's.
    await DataKey.filter(id=key.id).update(wrapped=saved_key, destroyed_at=None)
    await Account.filter(id=account.id).update(
        **{name: saved_account[name] for name in ("phone_sealed", "phone_hash", "name", "status")}
    )
    await Order.all().update(account_id=account.id)
    restored = await Account.get(id=account.id).select_related("data_key")
    assert restored.phone == person()["phone"]

    replayed = await replay_erasures()
    assert (replayed.tombstones, len(replayed.erased_again), replayed.failed) == (1, 1, [])
    erased = await Account.get(id=account.id).select_related("data_key")
    assert erased.phone is None and erased.phone_hash is None and erased.name == ""
    assert erased.status == AccountStatus.ERASED
    assert await Order.filter(account_id=account.id).count() == 0
    replayed = await replay_erasures()
    assert (replayed.tombstones, replayed.erased_again, replayed.failed) == (1, [], [])
