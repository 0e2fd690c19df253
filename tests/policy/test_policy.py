"""The policy in effect with its contact details (P-CONTACT-1, P-UPDATE-1), its acceptance, and
the data-category catalogue served as data."""

from datetime import UTC, datetime, timedelta

from models.audit import AuditEntry
from models.clock import set_clock
from models.consent import PolicyAcceptance
from plugins.categories import catalogue
from tests.conftest import gql, sign_in
from tests.sharing import CONTACT_PHONE, ok, publish_policy

POLICY = """{ currentPolicy { version publishedAt effectiveAt digest summary requiresFreshConsent
  contact { controller phone email registeredAddress contactAddress answerWithinDays } } }"""
ACCEPT = "mutation($v: String!) { acceptPolicy(version: $v) { version acceptedAt channel } }"
CATEGORIES = """{ dataCategories {
  id description sensitive defaultEffect mask maskedKeeps retentionDays } }"""


async def test_p_contact_1_anyone_reads_the_policy_in_effect_with_contact_details(client):
    await publish_policy()
    policy = ok(await gql(client, POLICY))["currentPolicy"]
    assert policy["version"] == "2022-06-07"
    assert len(policy["digest"]) == 64
    assert policy["contact"]["phone"] == CONTACT_PHONE
    assert policy["contact"]["answerWithinDays"] == 15
    assert policy["contact"]["email"] and policy["contact"]["registeredAddress"]


async def test_p_update_1_a_newer_version_applies_from_its_effective_date(client):
    await publish_policy()
    effective = datetime(2030, 1, 1, tzinfo=UTC)
    await publish_policy("2030-01-01", effective, requires_fresh_consent=True)
    assert ok(await gql(client, POLICY))["currentPolicy"]["version"] == "2022-06-07"
    set_clock(lambda: effective + timedelta(seconds=1))
    try:
        current = ok(await gql(client, POLICY))["currentPolicy"]
    finally:
        set_clock()
    assert current["version"] == "2030-01-01" and current["requiresFreshConsent"] is True


async def test_no_policy_published_is_a_clear_error(client):
    assert (await gql(client, POLICY)).codes == ["NOT_FOUND"]


async def test_p_update_1_a_person_accepts_the_version_in_effect_once(client):
    # Registered before any version was in effect: registering accepted none.
    token = await sign_in(client)
    await publish_policy()
    accepted = ok(await gql(client, ACCEPT, {"v": "2022-06-07"}, token=token))["acceptPolicy"]
    assert accepted["version"] == "2022-06-07" and accepted["channel"] == "api"
    again = ok(await gql(client, ACCEPT, {"v": "2022-06-07"}, token=token))["acceptPolicy"]
    assert again["acceptedAt"] == accepted["acceptedAt"]
    assert await PolicyAcceptance.all().count() == 1
    assert await AuditEntry.filter(action="POLICY_ACCEPTED").count() == 1
    wrong = await gql(client, ACCEPT, {"v": "2019-01-01"}, token=token)
    assert wrong.codes == ["VALIDATION_FAILED"]
    client.cookies.clear()
    assert (await gql(client, ACCEPT, {"v": "2022-06-07"})).codes == ["UNAUTHENTICATED"]


async def test_data_categories_are_served_as_data(client):
    served = ok(await gql(client, CATEGORIES))["dataCategories"]
    assert [c["id"] for c in served] == list(catalogue())
    # P-SEC-1: clients see masked values, so they are told what a masked value may keep.
    assert [c["maskedKeeps"] for c in served] == [c.masked_keeps for c in catalogue().values()]
    phone = next(c for c in served if c["id"] == "contact.phone")
    assert phone["defaultEffect"] == "MASK" and phone["mask"] == "phone"
    password = next(c for c in served if c["id"] == "credential.password")
    assert password["defaultEffect"] == "BLOCK" and password["sensitive"] is True
