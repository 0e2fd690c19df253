"""P-EXPORT-1: everything held about a person, as one document; an ACCESS request gets it too."""

from api.privacy.export import FORMAT
from models.accounts import Account
from tests.conftest import LOGIN, admin_token, gql, register
from tests.privacy.test_cancellation import client_token, fill_account

EXPORT = "{ exportMyData }"
DEVICE = """
mutation($input: RecordDeviceLogInput!) { recordDeviceLog(input: $input) { recorded } }
"""
SUBMIT = """
mutation($input: SubmitPrivacyRequestInput!) { submitPrivacyRequest(input: $input) { id } }
"""
RESOLVE = """
mutation($input: ResolvePrivacyRequestInput!) { resolvePrivacyRequest(input: $input) { status } }
"""
MINE = "{ myPrivacyRequests { edges { node { kind status document } } } }"
ACCOUNT = "query($id: ID!) { account(id: $id) { name phone } }"


async def signed_in_with_a_history(client) -> tuple[str, dict]:
    details = await register(client)
    login = {
        "login": details["phone"],
        "password": details["password"],
        "client": {"os": "Android 15", "networkType": "5G", "devicePhone": "13912340000"},
    }
    token = (await gql(client, LOGIN, {"input": login})).data["login"]["token"]
    await fill_account(client, token)
    device = {"os": "Android 15", "deviceId": "IMEI-860000000000001", "networkStatus": "WIFI"}
    assert (await gql(client, DEVICE, {"input": device}, token=token)).data["recordDeviceLog"]
    await gql(client, SUBMIT, {"input": {"kind": "OTHER", "details": "问题"}}, token=token)
    return token, details


async def test_p_export_1_export_holds_everything_about_the_person_in_clear(client, settings):
    token, details = await signed_in_with_a_history(client)
    account = await Account.get(role="USER")
    await client_token(account.id)
    admin = await admin_token(client, settings)
    await gql(client, ACCOUNT, {"id": str(account.id)}, token=admin)

    exported = await gql(client, EXPORT, token=token)
    document = exported.data["exportMyData"]
    assert document["format"] == FORMAT
    assert document["account"] | {"created_at": None} == {
        "id": account.id,
        "phone": details["phone"],
        "email": details["email"],
        "name": details["name"],
        "company": details["company"],
        "province": None,
        "city": None,
        "role": "USER",
        "status": "ACTIVE",
        "created_at": None,
        "cancelled_at": None,
        "do_not_track": False,
        "do_not_track_set_at": None,
        "do_not_track_source": None,
    }
    [sign_in] = document["login_records"]
    assert (sign_in["os"], sign_in["network_type"], sign_in["device_phone"]) == (
        "Android 15",
        "5G",
        "13912340000",
    )
    assert document["device_logs"][0]["device_id"] == "IMEI-860000000000001"
    assert document["orders"][0]["amount"] == "30.00"
    assert document["reservations"][0]["phone"] == "13912345678"
    [consent] = document["consents"]
    assert consent["receipt"]["purposes"][0]["recipient"]["name"] == "翼支付"
    assert document["privacy_requests"][0]["details"] == "问题"
    admin_reads = [
        event
        for event in document["access_history"]
        if event["by"] == "admin" and event["action"] == "READ"
    ]
    assert admin_reads and admin_reads[0]["subject_ref"] == f"account:{account.id}"
    # Staff appear by role, as myAccessHistory names them, never by account (P-TRANSPARENCY-1).
    assert all("viewer_ref" not in event for event in document["access_history"])
    assert {event["by"] for event in document["access_history"]} <= {"you", "admin", "consentql"}


async def test_p_export_1_an_access_request_is_answered_with_the_same_document(client, settings):
    token, _ = await signed_in_with_a_history(client)
    submitted = await gql(client, SUBMIT, {"input": {"kind": "ACCESS"}}, token=token)
    admin = await admin_token(client, settings)
    request_id = submitted.data["submitPrivacyRequest"]["id"]
    await gql(client, RESOLVE, {"input": {"id": request_id, "status": "COMPLETED"}}, token=admin)

    mine = await gql(client, MINE, token=token)
    answered = next(
        edge["node"]
        for edge in mine.data["myPrivacyRequests"]["edges"]
        if edge["node"]["kind"] == "ACCESS"
    )
    exported = (await gql(client, EXPORT, token=token)).data["exportMyData"]
    document = answered["document"]
    assert document.keys() == exported.keys()
    for part in ("account", "login_records", "device_logs", "orders", "reservations"):
        assert document[part] == exported[part]
    # Only the person reads the answer; the admin sees that it was answered.
    listed = await gql(client, "{ privacyRequests { edges { node { document } } } }", token=admin)
    assert all(edge["node"]["document"] is None for edge in listed.data["privacyRequests"]["edges"])
