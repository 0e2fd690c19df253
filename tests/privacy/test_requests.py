"""Privacy requests through the HTTP API: kinds, due dates, overdue lists, answers."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from api.privacy.calendar import working_calendar
from models.clock import set_clock
from models.privacy import PrivacyRequest
from tests.conftest import LOGIN, admin_token, gql, person, sign_in
from tests.sharing import second_admin_token

# 18:00 Beijing time on Monday 28 September 2026, just before the National Day holiday.
NOW = datetime(2026, 9, 28, 10, 0, tzinfo=UTC)

SUBMIT = """
mutation($input: SubmitPrivacyRequestInput!) {
  submitPrivacyRequest(input: $input) { id kind status ground details dueOn overdue }
}"""
MINE = """
{ myPrivacyRequests { edges { node { id kind status dueOn overdue resolution } } } }
"""
LIST = """
query($status: PrivacyRequestStatus, $overdueOnly: Boolean!) {
  privacyRequests(status: $status, overdueOnly: $overdueOnly) {
    edges { node { id accountId kind status overdue details } }
  }
}"""
RESOLVE = """
mutation($input: ResolvePrivacyRequestInput!) {
  resolvePrivacyRequest(input: $input) { id status resolution resolvedAt }
}"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    moved = Clock(NOW)
    set_clock(moved)
    yield moved
    set_clock()


async def log_in(client) -> str:
    login = {"login": person()["phone"], "password": person()["password"]}
    return (await gql(client, LOGIN, {"input": login})).data["login"]["token"]


async def submit(client, token: str, **fields: object) -> dict:
    result = await gql(client, SUBMIT, {"input": fields}, token=token)
    assert not result.get("errors"), result
    return result.data["submitPrivacyRequest"]


async def test_p_rights_4_every_request_is_due_in_15_calendar_days(client, clock):
    token = await sign_in(client)
    request = await submit(client, token, kind="ACCESS", details="请提供我的全部信息")
    assert request | {"id": None} == {
        "id": None,
        "kind": "ACCESS",
        "status": "RECEIVED",
        "ground": None,
        "details": "请提供我的全部信息",
        "dueOn": "2026-10-13",
        "overdue": False,
    }


async def test_p_rights_3_complaint_about_an_automated_decision_is_answered_in_15_days(
    client, clock
):
    token = await sign_in(client)
    # 16:30 UTC is 00:30 the next day in Beijing: the count starts from the date in China.
    clock.now = datetime(2026, 9, 28, 16, 30, tzinfo=UTC)
    request = await submit(client, token, kind="COMPLAINT_AUTOMATED_DECISION")
    assert request["dueOn"] == "2026-10-14"


async def test_p_delete_1_deletion_names_one_of_the_five_grounds(client, clock):
    token = await sign_in(client)
    missing = await gql(client, SUBMIT, {"input": {"kind": "DELETION"}}, token=token)
    assert missing.codes == ["VALIDATION_FAILED"]
    assert missing["errors"][0]["extensions"]["field"] == "ground"
    misplaced = await gql(
        client, SUBMIT, {"input": {"kind": "ACCESS", "ground": "NO_CONSENT"}}, token=token
    )
    assert misplaced.codes == ["VALIDATION_FAILED"]
    assert await PrivacyRequest.all().count() == 0
    granted = await submit(client, token, kind="DELETION", ground="STOPPED_USING")
    assert granted["ground"] == "STOPPED_USING"


async def test_p_rights_4_cancellation_is_filed_through_its_own_mutation(client, clock):
    token = await sign_in(client)
    refused = await gql(client, SUBMIT, {"input": {"kind": "CANCEL_ACCOUNT"}}, token=token)
    assert refused.codes == ["VALIDATION_FAILED"]


async def test_p_rights_4_overdue_requests_are_listed_for_admins(client, settings, clock):
    person = await sign_in(client)
    late = await submit(client, person, kind="CORRECTION")
    clock.now = NOW + timedelta(days=10)
    person = await log_in(client)
    on_time = await submit(client, person, kind="OTHER")
    assert (await gql(client, LIST, {"overdueOnly": True}, token=person)).codes == ["FORBIDDEN"]

    clock.now = NOW + timedelta(days=16)
    admin = await admin_token(client, settings)
    listed = await gql(client, LIST, {"overdueOnly": True}, token=admin)
    nodes = [edge["node"] for edge in listed.data["privacyRequests"]["edges"]]
    assert [node["id"] for node in nodes] == [late["id"]]
    assert nodes[0]["overdue"] is True
    every = await gql(client, LIST, {"overdueOnly": False, "status": "RECEIVED"}, token=admin)
    assert {edge["node"]["id"] for edge in every.data["privacyRequests"]["edges"]} == {
        late["id"],
        on_time["id"],
    }

    # Answered is no longer late.
    done = await gql(
        client, RESOLVE, {"input": {"id": late["id"], "status": "COMPLETED"}}, token=admin
    )
    assert done.data["resolvePrivacyRequest"]["status"] == "COMPLETED"
    listed = await gql(client, LIST, {"overdueOnly": True}, token=admin)
    assert listed.data["privacyRequests"]["edges"] == []


async def test_p_rights_4_a_rejection_gives_the_person_a_reason(client, settings, clock):
    person = await sign_in(client)
    request = await submit(client, person, kind="OTHER", details="请删除我的订单")
    admin = await admin_token(client, settings)
    bare = await gql(
        client, RESOLVE, {"input": {"id": request["id"], "status": "REJECTED"}}, token=admin
    )
    assert bare.codes == ["VALIDATION_FAILED"]
    assert (await PrivacyRequest.get(id=int(request["id"]))).status == "RECEIVED"
    reason = "订单记录须依《电子商务法》第三十一条保存三年。"
    rejected = await gql(
        client,
        RESOLVE,
        {"input": {"id": request["id"], "status": "REJECTED", "resolution": reason}},
        token=admin,
    )
    assert rejected.data["resolvePrivacyRequest"]["status"] == "REJECTED"
    mine = await gql(client, MINE, token=person)
    [node] = [edge["node"] for edge in mine.data["myPrivacyRequests"]["edges"]]
    assert (node["status"], node["resolution"]) == ("REJECTED", reason)
    again = await gql(
        client, RESOLVE, {"input": {"id": request["id"], "status": "COMPLETED"}}, token=admin
    )
    assert again.codes == ["CONFLICT"]


def test_p_cancel_1_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    calendar = working_calendar()
    # The Spring Festival 2026: Saturday 14 and 28 February are make-up working days.
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert calendar.add_working_days(date(2026, 2, 13), 15) == date(2026, 3, 12)
    assert not calendar.is_working_day(date(2026, 10, 5))
    assert calendar.is_working_day(date(2026, 9, 20))


def test_p_cancel_1_the_holiday_calendar_is_data_replaceable_by_configuration(tmp_path: Path):
    (tmp_path / "cn-2026.json").write_text(
        json.dumps(
            {
                "year": 2026,
                "source": "test",
                "holidays": [{"name": "test", "from": "2026-03-02", "to": "2026-03-06"}],
                "workdays": [],
            }
        ),
        encoding="utf-8",
    )
    calendar = working_calendar(tmp_path)
    assert calendar.add_working_days(date(2026, 2, 27), 1) == date(2026, 3, 9)


HISTORY = """
{ myAccessHistory { edges { node { accessor basis categoriesClear categoriesBlocked } } } }
"""


async def test_p_sec_3_p_transparency_1_only_admins_charged_with_requests_read_them(
    client, settings, clock
):
    """What a person writes in a request may hold anything (ID numbers, a new address): only an
    admin whose duty is to answer requests lists and reads them, each read is on record and the
    person sees it, and an admin without the duty is refused, even for a cancelling account."""
    token = await sign_in(client)
    words = "身份证号 110101199003070000，新地址：北京市朝阳区某路1号"
    submitted = await gql(
        client, SUBMIT, {"input": {"kind": "CORRECTION", "details": words}}, token=token
    )
    request_id = submitted.data["submitPrivacyRequest"]["id"]
    charged = await admin_token(client, settings)
    uncharged = await second_admin_token(client, settings)

    listing = {"status": None, "overdueOnly": False}
    refused = await gql(client, LIST, listing, token=uncharged)
    assert refused.codes == ["FORBIDDEN"] and refused.data is None
    answer = {"input": {"id": request_id, "status": "IN_PROGRESS"}}
    assert (await gql(client, RESOLVE, answer, token=uncharged)).codes == ["FORBIDDEN"]

    read = await gql(client, LIST, listing, token=charged)
    [node] = [edge["node"] for edge in read.data["privacyRequests"]["edges"]]
    assert node["details"] == words
    history = (await gql(client, HISTORY, token=token)).data["myAccessHistory"]["edges"]
    reads = [
        edge["node"] for edge in history if "privacy.request" in edge["node"]["categoriesClear"]
    ]
    assert reads and reads[0]["accessor"] == "admin"
    assert reads[0]["basis"] == "duty:PRIVACY_REQUESTS"

    # The person cancels: everything else of theirs freezes, their open request is still owed an
    # answer, so the charged admin still reads it (P-RETAIN-2, P-RIGHTS-4).
    cancel = "mutation($p: String!) { requestAccountCancellation(password: $p) { id } }"
    assert not (await gql(client, cancel, {"p": person()["password"]}, token=token)).get("errors")
    after = await gql(client, LIST, listing, token=charged)
    details = {
        edge["node"]["kind"]: edge["node"]["details"]
        for edge in after.data["privacyRequests"]["edges"]
    }
    assert details["CORRECTION"] == words
    accounts = await gql(client, "{ accounts { edges { node { id name } } } }", token=charged)
    frozen = [
        edge["node"] for edge in accounts.data["accounts"]["edges"] if edge["node"]["name"] is None
    ]
    assert frozen, "the cancelling person's other data is frozen for the same admin"
