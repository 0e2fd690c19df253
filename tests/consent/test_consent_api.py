"""Consents through the HTTP app: who an API client sees, in what form, and for how long
(P-SHARE-1, P-SHARE-2, P-WITHDRAW-1, P-REGION-1, P-RETAIN-2, P-DISCLOSE-1, P-UPDATE-1)."""

from importlib.metadata import EntryPoint, EntryPoints

import httpx
import pytest

from api.http.app import create_app
from models.accounts import Account, AccountStatus
from models.audit import AuditEntry
from plugins import registry
from plugins.base import BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind
from tests.conftest import PLACE_ORDER, admin_token, gql, make_settings
from tests.sharing import (
    ACCOUNT,
    ACCOUNTS,
    WITHDRAW_CONSENT,
    create_affiliate,
    grant,
    issue_client,
    listed_ids,
    ok,
    person_with_id,
    publish_policy,
)

MY_CONSENTS = """{ myConsents { id purpose categories policyVersion withdrawnAt endedReason
  recipient { id } receipt { receiptId jurisdiction state } } }"""
WITH_ORDERS = """query($id: ID!) {
  account(id: $id) { phone email orders { edges { node { product } } } } }"""


@pytest.fixture
async def world(client, settings):
    """A policy, an admin, a recipient with a client for `support`, a consenting person (0) and
    one who did not consent (1)."""
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    api = await issue_client(client, admin, affiliate)
    consenting, consenting_id = await person_with_id(client, 0)
    silent, silent_id = await person_with_id(client, 1)
    consent = await grant(client, consenting, affiliate)
    return {
        "admin": admin,
        "affiliate": affiliate,
        "api": api,
        "consenting": consenting,
        "consenting_id": consenting_id,
        "silent": silent,
        "silent_id": silent_id,
        "consent": consent,
    }


async def test_p_share_1_client_lists_only_people_who_consented(client, world):
    assert await listed_ids(client, world["api"]) == {world["consenting_id"]}


async def test_p_share_2_client_sees_consented_categories_clear_the_rest_masked_or_blocked(
    client, world
):
    await gql(
        client,
        PLACE_ORDER,
        {
            "input": {
                "kind": "CONSUMPTION",
                "product": "5G套餐",
                "productType": "MOBILE",
                "amount": "10.00",
            }
        },
        token=world["consenting"],
    )
    result = await gql(client, WITH_ORDERS, {"id": world["consenting_id"]}, token=world["api"])
    node = result.data["account"]
    # Consented and in the client's scope: clear. In scope but not consented: masked.
    assert node["phone"] == "13800130000"
    assert node["email"] == "z***@***"
    # Orders default to BLOCK, and that there are orders at all is the category's to disclose:
    # the whole list is null, with one error naming the category, the path reported (P-SEC-3).
    assert node["orders"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "CONSENT_REQUIRED"
    assert error["extensions"]["category"] == "activity.orders"
    assert error["path"] == ["account", "orders"]
    assert result["extensions"]["consent"] == {
        "masked": ["account.email"],
        "blocked": ["account.orders"],
    }


ACTIVITY = """query($id: ID!) {
  account(id: $id) {
    phone
    reservations { edges { node { id product status createdAt } } }
    loginRecords { edges { node { id success createdAt } } }
  }
}"""
ONLY_IDS = """query($id: ID!) {
  account(id: $id) { orders { edges { node { id } } } deviceLogs { edges { node { id } } } }
}"""


async def test_p_share_2_p_sec_3_what_a_client_sees_is_what_extensions_consent_says(client, world):
    """A client consented to the phone only: the person's reservations and sign-ins are not
    shown in clear under a 'masked' label, and their very existence, ids and number are the
    categories' to disclose: the lists are blocked, reported and recorded as blocked."""
    reservation = {
        "product": "千兆宽带",
        "phone": "13912345678",
        "name": "张三",
        "email": "zhang@example.com",
        "province": "广东省",
        "city": "深圳市",
    }
    reserve = (
        "mutation($input: CreateReservationInput!) { createReservation(input: $input) { id } }"
    )
    ok(await gql(client, reserve, {"input": reservation}, token=world["consenting"]))
    subject = {"id": world["consenting_id"]}
    result = await gql(client, ACTIVITY, subject, token=world["api"])
    node = result.data["account"]
    assert node == {"phone": "13800130000", "reservations": None, "loginRecords": None}
    blocked = {tuple(error["path"]): error["extensions"] for error in result["errors"]}
    assert blocked[("account", "reservations")]["category"] == "activity.reservations"
    assert blocked[("account", "loginRecords")]["category"] == "activity.logins"
    assert result["extensions"]["consent"] == {
        "masked": [],
        "blocked": ["account.reservations", "account.loginRecords"],
    }
    [entry] = await AuditEntry.filter(
        action="READ", subject_ref=f"account:{world['consenting_id']}", viewer_kind="API_CLIENT"
    )
    assert entry.categories_clear == ["contact.phone"]
    assert entry.categories_blocked == ["activity.logins", "activity.reservations"]

    # Asking only for ids: no id, no count, and the read is on record all the same.
    before = await AuditEntry.filter(action="READ").count()
    ids = await gql(client, ONLY_IDS, subject, token=world["api"])
    assert ids.data["account"] == {"orders": None, "deviceLogs": None}
    assert await AuditEntry.filter(action="READ").count() == before + 1
    latest = await AuditEntry.filter(action="READ").order_by("-id").first()
    # device.info masks by default, but a list's existence has no masked form: withheld, and
    # on record as blocked, not as masked.
    assert (latest.categories_masked, latest.categories_blocked) == (
        [],
        ["activity.orders", "device.info"],
    )


async def test_p_share_1_account_of_a_non_consenting_person_is_not_found_like_a_missing_one(
    client, world
):
    """Side channel (P-SEC-3): existing-but-unconsented and missing ids answer alike."""
    unconsented = await gql(client, ACCOUNT, {"id": world["silent_id"]}, token=world["api"])
    missing = await gql(client, ACCOUNT, {"id": "999999"}, token=world["api"])
    malformed = await gql(client, ACCOUNT, {"id": "x"}, token=world["api"])
    assert unconsented["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    for other in (missing, malformed):
        assert other["errors"][0]["message"] == unconsented["errors"][0]["message"]
        assert other["errors"][0]["extensions"] == unconsented["errors"][0]["extensions"]
        assert other["data"] == unconsented["data"]


async def test_p_share_2_purpose_change_ends_old_consents_and_clients(client, world):
    changed = await gql(
        client,
        'mutation($id: ID!) { changeAffiliatePurposes(affiliateId: $id, purposes: ["billing"]) '
        "{ purposes } }",
        {"id": world["affiliate"]},
        token=world["admin"],
    )
    assert ok(changed)["changeAffiliatePurposes"]["purposes"] == ["billing"]
    [consent] = ok(await gql(client, MY_CONSENTS, token=world["consenting"]))["myConsents"]
    assert consent["endedReason"] == "PURPOSE_CHANGED" and consent["withdrawnAt"]
    assert consent["receipt"]["state"] == "PURPOSE_CHANGED"
    # The client was bound to the dropped purpose: its token no longer identifies anyone.
    assert (await gql(client, ACCOUNTS, token=world["api"])).codes == ["TOKEN_REVOKED"]
    ended = await AuditEntry.filter(action="CONSENT_ENDED").values_list("subject_ref", flat=True)
    assert ended == [f"account:{world['consenting_id']}"]


async def test_p_withdraw_1_withdrawal_counts_on_the_next_request_in_another_app(
    client, world, settings, tmp_path
):
    """Two app instances on one database: nothing about consent is kept in process memory."""
    other_app = create_app(make_settings(tmp_path / "other"), manage_database=False)
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as other:
        assert await listed_ids(other, world["api"]) == {world["consenting_id"]}
        withdrawn = await gql(
            client, WITHDRAW_CONSENT, {"id": world["consent"]["id"]}, token=world["consenting"]
        )
        assert ok(withdrawn)["withdrawConsent"]["endedReason"] == "WITHDRAWN"
        assert await listed_ids(other, world["api"]) == set()
        gone = await gql(other, ACCOUNT, {"id": world["consenting_id"]}, token=world["api"])
        assert gone.codes == ["NOT_FOUND"]
    # What was read under the consent stays on record.
    reads = await AuditEntry.filter(action="READ", viewer_kind="API_CLIENT").values_list(
        "basis", flat=True
    )
    assert f"consent:{world['consent']['id']}" in reads[0]
    assert await AuditEntry.filter(action="CONSENT_WITHDRAWN").count() == 1


async def test_p_withdraw_1_only_ones_own_consent_can_be_withdrawn(client, world):
    result = await gql(
        client, WITHDRAW_CONSENT, {"id": world["consent"]["id"]}, token=world["silent"]
    )
    missing = await gql(client, WITHDRAW_CONSENT, {"id": "999999"}, token=world["silent"])
    # Someone else's consent and no consent at all answer alike (P-SEC-3).
    assert result["errors"][0]["message"] == missing["errors"][0]["message"]
    assert result.codes == missing.codes == ["NOT_FOUND"]
    assert await listed_ids(client, world["api"]) == {world["consenting_id"]}


async def test_p_region_1_recipient_in_hong_kong_gets_nothing(client, world):
    hk = await create_affiliate(client, world["admin"], name="香港伙伴", region="HK")
    api = await issue_client(client, world["admin"], hk)
    # A person cannot consent to it: it could never take effect.
    refused = await gql(
        client,
        "mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }",
        {"i": {"recipientId": hk, "purpose": "support", "categories": ["contact.phone"]}},
        token=world["consenting"],
    )
    assert refused.codes == ["VALIDATION_FAILED"]
    assert await listed_ids(client, api) == set()
    assert (await gql(client, ACCOUNT, {"id": world["consenting_id"]}, token=api)).codes == [
        "NOT_FOUND"
    ]


async def test_p_retain_2_cancelled_person_is_invisible_to_clients(client, world):
    await Account.filter(id=int(world["consenting_id"])).update(status=AccountStatus.CANCELLED)
    assert await listed_ids(client, world["api"]) == set()
    result = await gql(client, ACCOUNT, {"id": world["consenting_id"]}, token=world["api"])
    assert result.codes == ["NOT_FOUND"]


async def test_p_disclose_1_anonymous_gets_no_personal_data_anywhere(client, world):
    client.cookies.clear()  # the sign-ins above left a session cookie
    for query, variables in (
        (ACCOUNTS, None),
        (ACCOUNT, {"id": world["consenting_id"]}),
        (MY_CONSENTS, None),
        ("{ myAccessHistory { edges { node { accessor } } } }", None),
    ):
        result = await gql(client, query, variables)
        assert result.data is None or all(value is None for value in result.data.values())
        assert result.codes and set(result.codes) <= {"UNAUTHENTICATED", "NOT_FOUND"}
    me = await gql(client, "{ me { id phone } }")
    assert me.data == {"me": None}
    assert ok(await gql(client, "{ currentPolicy { version } }"))["currentPolicy"]


async def test_p_update_1_each_consent_names_its_policy_version_and_evidence(client, world):
    consent = world["consent"]
    assert consent["policyVersion"] == "2022-06-07"
    assert consent["evidence"]["channel"] == "api"
    assert consent["evidence"]["userAgent"]
    [listed] = ok(await gql(client, MY_CONSENTS, token=world["consenting"]))["myConsents"]
    assert (
        listed["policyVersion"] == "2022-06-07" and listed["recipient"]["id"] == world["affiliate"]
    )
    [event] = await AuditEntry.filter(action="CONSENT_GRANTED")
    assert event.details["policy_version"] == "2022-06-07"
    assert event.subject_ref == f"account:{world['consenting_id']}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"categories": ["credential.password"]}, "categories"),
        ({"categories": ["contact.fax"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"purpose": "marketing"}, "purpose"),
        ({"recipientId": "999999"}, "recipientId"),
        ({"purpose": "Bad Purpose!"}, "purpose"),
    ],
)
async def test_grant_consent_validates_everything_and_writes_nothing(client, world, change, field):
    before = await AuditEntry.all().count()
    variables = {
        "i": {
            "recipientId": world["affiliate"],
            "purpose": "support",
            "categories": ["contact.phone"],
        }
        | change
    }
    result = await gql(
        client,
        "mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }",
        variables,
        token=world["silent"],
    )
    assert result.codes == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert await AuditEntry.all().count() == before
    assert ok(await gql(client, MY_CONSENTS, token=world["silent"]))["myConsents"] == []


async def test_consent_receipt_after_iso_27560(client, world):
    receipt_query = """query($id: ID!) { consentReceipt(consentId: $id) {
      receiptId schemaVersion jurisdiction piiPrincipalId state collectionMethod
      consentGivenAt consentEndedAt
      controller { controller phone email contactAddress answerWithinDays }
      notice { version digest }
      purposes { purpose legalBasis categories recipient { name kind region } } } }"""
    variables = {"id": world["consent"]["id"]}
    receipt = ok(await gql(client, receipt_query, variables, token=world["consenting"]))[
        "consentReceipt"
    ]
    assert receipt["schemaVersion"].startswith("ISO/IEC TS 27560")
    assert receipt["jurisdiction"] == "CN"
    assert receipt["piiPrincipalId"] == f"account:{world['consenting_id']}"
    assert receipt["controller"]["phone"] == "400-1100-868"
    assert receipt["notice"]["version"] == "2022-06-07"
    assert receipt["purposes"] == [
        {
            "purpose": "support",
            "legalBasis": "consent",
            "categories": ["contact.phone", "identity.name"],
            "recipient": {"name": "翼支付", "kind": "AFFILIATE", "region": "CN"},
        }
    ]
    assert receipt["state"] == "ACTIVE" and receipt["consentEndedAt"] is None
    again = ok(await gql(client, receipt_query, variables, token=world["consenting"]))
    assert again["consentReceipt"]["receiptId"] == receipt["receiptId"]
    # Someone else's receipt does not exist for them.
    other = await gql(client, receipt_query, variables, token=world["silent"])
    assert other.codes == ["NOT_FOUND"]


class HidesNamesPlugin(BasePlugin):
    """A plugin from "another package": nobody but the owner sees a name, consent or not."""

    name = "hides_names"

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if category.id == "identity.name" and viewer.kind is ViewerKind.API_CLIENT:
            return Vote.restrict("names are withheld by policy", BlockCode.FORBIDDEN)
        return ABSTAIN


async def test_a_plugin_installed_through_the_entry_point_group_takes_effect(
    client, world, monkeypatch, tmp_path
):
    entry = EntryPoint(
        name="hides_names", value=f"{__name__}:HidesNamesPlugin", group=registry.ENTRY_POINT_GROUP
    )

    def entry_points(*, group: str, name: str) -> EntryPoints:
        return EntryPoints([entry] if (group, name) == (entry.group, entry.name) else [])

    monkeypatch.setattr(registry, "entry_points", entry_points)
    settings = make_settings(
        tmp_path / "plugged", plugins=[*registry.DEFAULT_PLUGINS, "hides_names"]
    )
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plugged.test") as plugged:
        query = "{ accounts { edges { node { phone name } } } }"
        result = await gql(plugged, query, token=world["api"])
    [edge] = result.data["accounts"]["edges"]
    assert edge["node"] == {"phone": "13800130000", "name": None}
    assert [e["extensions"]["reason"] for e in result["errors"]] == ["names are withheld by policy"]
    # The same client through the default app still sees the consented name.
    default = await gql(client, query, token=world["api"])
    assert default.data["accounts"]["edges"][0]["node"]["name"] == "张三"
