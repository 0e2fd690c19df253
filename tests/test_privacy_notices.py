"""P-UPDATE-1 policy updates and P-SEC-6 incident notices, through the HTTP API."""

from datetime import timedelta

from models.accounts import Account
from models.clock import utcnow
from models.consent import PolicyVersion
from models.privacy import Incident, Notification, OutboxMessage, PublicNotice
from tests.conftest import admin_token, gql, sign_in
from tests.test_privacy_cancellation import client_token

PUBLISH = """
mutation($input: PublishPolicyInput!) {
  publishPolicy(input: $input) { notified policy { version requiresFreshConsent digest } }
}"""
MINE = "{ myNotifications { edges { node { topic channel status title body } } } }"
NAME = "query($id: ID!) { account(id: $id) { name } }"
REPORT = """
mutation($input: ReportIncidentInput!) {
  reportIncident(input: $input) { id notified publicNotice categories regulatorReportedAt }
}"""
NOTICES = "{ publicNotices { edges { node { title body } } } }"


async def test_p_update_1_a_fresh_consent_version_pauses_optional_processing_and_tells_people(
    client, settings
):
    person = await sign_in(client)
    account = await Account.get()
    affiliate = await client_token(account.id)
    assert (await gql(client, NAME, {"id": str(account.id)}, token=affiliate)).data["account"]
    admin = await admin_token(client, settings)
    version = {"version": "2026-12-01", "summary": "新增合作方", "requiresFreshConsent": True}
    neither = await gql(client, PUBLISH, {"input": version}, token=admin)
    assert neither.codes == ["VALIDATION_FAILED"]
    assert await PolicyVersion.all().count() == 1
    assert (await gql(client, PUBLISH, {"input": version | {"text": "…"}}, token=person)).codes == [
        "FORBIDDEN"
    ]

    published = await gql(client, PUBLISH, {"input": version | {"text": "全文"}}, token=admin)
    result = published.data["publishPolicy"]
    assert result["notified"] == 2
    assert result["policy"]["requiresFreshConsent"] is True
    # The consent was given under the old version: the affiliate sees nothing now.
    paused = await gql(client, NAME, {"id": str(account.id)}, token=affiliate)
    assert paused.codes == ["NOT_FOUND"]
    [told] = [
        edge["node"]
        for edge in (await gql(client, MINE, token=person)).data["myNotifications"]["edges"]
    ]
    assert (told["topic"], told["channel"], told["status"]) == (
        "POLICY_UPDATE",
        "IN_APP",
        "DELIVERED",
    )
    assert "新增合作方" in told["body"]
    receipts = "{ myConsents { receipt { state } } }"
    states = await gql(client, receipts, token=person)
    assert {c["receipt"]["state"] for c in states.data["myConsents"]} == {"PAUSED"}
    # Accepting the new version lets the earlier consent count again.
    accept = 'mutation { acceptPolicy(version: "2026-12-01") { version } }'
    assert (await gql(client, accept, token=person)).data["acceptPolicy"]["version"] == "2026-12-01"
    resumed = await gql(client, NAME, {"id": str(account.id)}, token=affiliate)
    assert resumed.data["account"], resumed
    states = await gql(client, receipts, token=person)
    assert {c["receipt"]["state"] for c in states.data["myConsents"]} == {"ACTIVE"}


def incident(affected: list[str], **overrides: object) -> dict:
    now = utcnow()
    return {
        "title": "预约系统数据泄露",
        "whatHappened": "一个接口在 3 小时内可被未授权访问。",
        "possibleImpact": "预约联系人手机号可能被获取。",
        "measures": "已关闭接口并轮换密钥。",
        "advice": "警惕冒充客服的来电与短信。",
        "remedies": "可致电 400-1100-868 申请补救与赔偿。",
        "categories": ["contact.phone", "activity.reservations"],
        "occurredAt": (now - timedelta(days=2)).isoformat(),
        "regulatorReportedAt": (now - timedelta(hours=6)).isoformat(),
        "affected": affected,
        "channel": "SMS",
        **overrides,
    }


async def test_p_sec_6_an_incident_needs_its_five_parts_categories_and_regulator_report(
    client, settings
):
    await sign_in(client)
    account = await Account.get()
    admin = await admin_token(client, settings)
    for missing in ("whatHappened", "possibleImpact", "measures", "advice", "remedies"):
        blank = await gql(
            client, REPORT, {"input": incident([str(account.id)], **{missing: " "})}, token=admin
        )
        assert blank.codes == ["VALIDATION_FAILED"], missing
    no_categories = incident([str(account.id)], categories=[])
    assert (await gql(client, REPORT, {"input": no_categories}, token=admin)).codes == [
        "VALIDATION_FAILED"
    ]
    unreported = incident([str(account.id)])
    del unreported["regulatorReportedAt"]
    assert (await gql(client, REPORT, {"input": unreported}, token=admin)).get("errors")
    assert await Incident.all().count() == 0 and await Notification.all().count() == 0


async def test_p_sec_6_each_affected_person_is_notified_through_the_outbox(client, settings):
    person = await sign_in(client)
    account = await Account.get()
    admin = await admin_token(client, settings)
    reported = await gql(client, REPORT, {"input": incident([str(account.id)])}, token=admin)
    assert reported.data["reportIncident"]["notified"] == 1
    assert reported.data["reportIncident"]["publicNotice"] is False
    [told] = [
        edge["node"]
        for edge in (await gql(client, MINE, token=person)).data["myNotifications"]["edges"]
    ]
    assert (told["topic"], told["channel"], told["status"]) == ("INCIDENT", "SMS", "QUEUED")
    for part in ("3 小时", "手机号", "轮换密钥", "冒充客服", "400-1100-868"):
        assert part in told["body"]
    outbox = await OutboxMessage.get().select_related("notification")
    assert outbox.notification.account_id == account.id
    assert (await gql(client, NOTICES)).data["publicNotices"]["edges"] == []


async def test_p_sec_6_a_public_notice_where_individual_notice_is_impractical(client, settings):
    admin = await admin_token(client, settings)
    report = incident([], individualNoticePractical=False)
    reported = await gql(client, REPORT, {"input": report}, token=admin)
    assert reported.data["reportIncident"]["publicNotice"] is True
    [notice] = (await gql(client, NOTICES)).data["publicNotices"]["edges"]
    assert notice["node"]["title"] == "预约系统数据泄露"
    assert "补救" in notice["node"]["body"]
    assert await PublicNotice.all().count() == 1
