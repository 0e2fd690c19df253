"""P-UPDATE-1 policy updates, P-SEC-6 incident notices and the incident list, and what a person
has read of what they were told, through the HTTP API."""

from datetime import datetime, timedelta

from models.accounts import Account, Role
from models.clock import utcnow
from models.consent import PolicyVersion
from models.privacy import Incident, Notification, OutboxMessage, PublicNotice
from tests.conftest import admin_token, gql, sign_in
from tests.lists import NON_ADMIN_CODES, assert_page_cost_is_flat, codes_for_non_admins
from tests.privacy.test_cancellation import client_token

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
    # The text is what the site publishes: a digest alone is not enough, nor a wrong one.
    without_text = await gql(
        client, PUBLISH, {"input": version | {"digest": "0" * 64}}, token=admin
    )
    assert without_text.codes == ["BAD_USER_INPUT"]
    wrong_digest = version | {"text": "全文", "digest": "0" * 64}
    assert (await gql(client, PUBLISH, {"input": wrong_digest}, token=admin)).codes == [
        "VALIDATION_FAILED"
    ]
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
    # By email, so that people who never sign in are told too; in the app all the same.
    assert (told["topic"], told["channel"], told["status"]) == (
        "POLICY_UPDATE",
        "EMAIL",
        "QUEUED",
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
    outbox = await OutboxMessage.get(notification_id__not_isnull=True).select_related(
        "notification"
    )
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


INCIDENTS = """
query($first: Int, $after: String) {
  incidents(first: $first, after: $after) {
    edges { node { id title whatHappened possibleImpact measures advice remedies categories
                   occurredAt regulatorReportedAt reportedAt reportedById notified publicNotice } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def report(client, admin: str, affected: list[str], **overrides: object) -> dict:
    reported = await gql(client, REPORT, {"input": incident(affected, **overrides)}, token=admin)
    assert not reported.get("errors"), reported
    return reported.data["reportIncident"]


async def test_p_sec_6_admins_list_incidents_newest_first(client, settings):
    await sign_in(client, 0)
    await sign_in(client, 1)
    people = [str(account_id) for account_id in await Account.all().values_list("id", flat=True)]
    admin = await admin_token(client, settings)
    oldest = await report(client, admin, people[:1], title="第一次")
    await report(client, admin, people, title="第二次")
    await report(client, admin, [], title="第三次", individualNoticePractical=False)

    page = (await gql(client, INCIDENTS, {"first": 2}, token=admin)).data["incidents"]
    nodes = [edge["node"] for edge in page["edges"]]
    summary = [(node["title"], node["notified"], node["publicNotice"]) for node in nodes]
    assert summary == [("第三次", 0, True), ("第二次", 2, False)]
    assert page["pageInfo"]["hasNextPage"] is True
    variables = {"first": 2, "after": page["pageInfo"]["endCursor"]}
    rest = (await gql(client, INCIDENTS, variables, token=admin)).data["incidents"]
    assert rest["pageInfo"]["hasNextPage"] is False
    [last] = [edge["node"] for edge in rest["edges"]]
    assert last["id"] == oldest["id"] and last["notified"] == oldest["notified"] == 1
    sent = incident(people[:1])
    for part in ("whatHappened", "possibleImpact", "measures", "advice", "remedies"):
        assert last[part] == sent[part]
    assert last["categories"] == sorted(sent["categories"])
    assert last["reportedById"] == str((await Account.get(role=Role.ADMIN)).id)
    times = [datetime.fromisoformat(last[name]) for name in ("occurredAt", "regulatorReportedAt")]
    assert times[0] < times[1] < datetime.fromisoformat(last["reportedAt"])
    assert await codes_for_non_admins(client, admin, INCIDENTS) == NON_ADMIN_CODES


async def test_p_sec_6_the_incident_list_costs_the_same_statements_for_any_page_size(
    client, settings
):
    await sign_in(client)
    affected = [str((await Account.get()).id)]
    admin = await admin_token(client, settings)

    async def make_row(n: int) -> dict:
        return await report(client, admin, affected, individualNoticePractical=n % 2 == 0)

    await assert_page_cost_is_flat(client, admin, INCIDENTS, "incidents", make_row)


READ = """
mutation($ids: [ID!]!) {
  markNotificationsRead(ids: $ids) { notifications { id title readAt } unreadCount }
}"""
UNREAD = """
query($unreadOnly: Boolean!) {
  myUnreadNotificationCount
  myNotifications(unreadOnly: $unreadOnly) { edges { node { id title readAt } } }
}"""


async def told(client, admin: str, affected: list[str], *titles: str) -> None:
    for title in titles:
        await report(client, admin, affected, title=title, channel="IN_APP")


async def test_a_person_marks_notifications_read_once_and_sees_what_is_unread(client, settings):
    person = await sign_in(client)
    me = str((await Account.get()).id)
    admin = await admin_token(client, settings)
    await told(client, admin, [me], "第一次", "第二次", "第三次")
    unread = (await gql(client, UNREAD, {"unreadOnly": True}, token=person)).data
    assert unread["myUnreadNotificationCount"] == 3
    third, second, first = (edge["node"] for edge in unread["myNotifications"]["edges"])
    assert third["title"] == "第三次" and third["readAt"] is None

    ids = [first["id"], second["id"], first["id"]]
    marked = (await gql(client, READ, {"ids": ids}, token=person)).data["markNotificationsRead"]
    assert [node["id"] for node in marked["notifications"]] == [second["id"], first["id"]]
    assert all(node["readAt"] for node in marked["notifications"]) and marked["unreadCount"] == 1
    again = await gql(client, READ, {"ids": [first["id"]]}, token=person)
    assert again.data["markNotificationsRead"] == {
        "notifications": marked["notifications"][1:],
        "unreadCount": 1,
    }

    left = (await gql(client, UNREAD, {"unreadOnly": True}, token=person)).data
    assert left["myUnreadNotificationCount"] == 1
    assert [edge["node"] for edge in left["myNotifications"]["edges"]] == [third]
    every = (await gql(client, UNREAD, {"unreadOnly": False}, token=person)).data
    assert [edge["node"]["readAt"] for edge in every["myNotifications"]["edges"]] == [
        None,
        *(node["readAt"] for node in marked["notifications"]),
    ]
    exported = (await gql(client, "{ exportMyData }", token=person)).data["exportMyData"]
    read_at = {row["id"]: row["read_at"] for row in exported["notifications"]}
    assert read_at[int(third["id"])] is None
    for node in marked["notifications"]:
        assert datetime.fromisoformat(read_at[int(node["id"])]) == datetime.fromisoformat(
            node["readAt"]
        )


async def test_a_person_marks_all_their_notifications_read_and_only_theirs(client, settings):
    person = await sign_in(client, 0)
    await sign_in(client, 1)
    mine, theirs = [str(i) for i in await Account.all().order_by("id").values_list("id", flat=True)]
    admin = await admin_token(client, settings)
    await told(client, admin, [mine], "第一次", "第二次")
    await told(client, admin, [mine, theirs], "第三次")
    first = await Notification.get(title="第一次")
    await gql(client, READ, {"ids": [str(first.id)]}, token=person)

    marked = await gql(client, "mutation { markAllNotificationsRead }", token=person)
    assert marked.data == {"markAllNotificationsRead": 2}
    left = (await gql(client, UNREAD, {"unreadOnly": True}, token=person)).data
    assert left == {"myUnreadNotificationCount": 0, "myNotifications": {"edges": []}}
    assert await Notification.filter(account_id=int(theirs), read_at=None).count() == 1
    again = await gql(client, "mutation { markAllNotificationsRead }", token=person)
    assert again.data == {"markAllNotificationsRead": 0}
    client.cookies.clear()  # signing in also set a session cookie
    anonymous = await gql(client, "mutation { markAllNotificationsRead }")
    assert anonymous.codes == ["UNAUTHENTICATED"]
    assert await Notification.filter(account_id=int(theirs), read_at=None).count() == 1


async def test_nobody_marks_another_persons_notifications_read(client, settings):
    person = await sign_in(client, 0)
    await sign_in(client, 1)
    mine, theirs = [
        str(account_id) for account_id in await Account.all().values_list("id", flat=True)
    ]
    admin = await admin_token(client, settings)
    await told(client, admin, [mine, theirs], "通知")
    own = await Notification.get(account_id=int(mine))
    other = await Notification.get(account_id=int(theirs))

    foreign = await gql(client, READ, {"ids": [str(own.id), str(other.id)]}, token=person)
    missing = await gql(client, READ, {"ids": ["999999"]}, token=person)
    assert foreign.codes == missing.codes == ["NOT_FOUND"]
    # The same words whether the notification is someone else's or does not exist.
    assert foreign["errors"][0]["message"] == missing["errors"][0]["message"]
    assert await Notification.filter(read_at__not_isnull=True).count() == 0
    for ids, code in (
        (["x"], "NOT_FOUND"),
        ([], "VALIDATION_FAILED"),
        ([str(own.id)] * 101, "VALIDATION_FAILED"),
    ):
        assert (await gql(client, READ, {"ids": ids}, token=person)).codes == [code], ids
    api_client = await client_token(int(mine))
    client.cookies.clear()
    # An admin is a person too, with notifications of their own and no one else's.
    for token, code in (
        (api_client, "UNAUTHENTICATED"),
        (None, "UNAUTHENTICATED"),
        (admin, "NOT_FOUND"),
    ):
        assert (await gql(client, READ, {"ids": [str(own.id)]}, token=token)).codes == [code]
    assert await Notification.filter(read_at__not_isnull=True).count() == 0
