"""P-TRANSFER-1: a transfer to a successor records its written commitment to be bound by the
policy, moves only people whose consent covers it, asks everyone else, and tells everyone; a
person asked accepts or refuses through the API, and nothing of theirs moves before they accept.
"""

import hashlib
from datetime import timedelta

from api.policy.founding import ensure_founding_policy
from models.accounts import Account, Role
from models.audit import AuditEntry
from models.clock import utcnow
from models.consent import Affiliate, AffiliateKind, Consent, PolicyVersion
from models.privacy import Notification, Transfer, TransferOutcome, TransferSubject
from tests.conftest import admin_token, gql, sign_in
from tests.lists import NON_ADMIN_CODES, assert_page_cost_is_flat, codes_for_non_admins
from tests.privacy.test_cancellation import client_token
from tests.sharing import create_affiliate, grant, issue_client, ok, person_with_id

TRANSFER = """
mutation($input: RecordTransferInput!) {
  recordTransfer(input: $input) {
    id reason successorName categories moved needsConsent refused
    commitment { signedBy signedAt reference digest text }
  }
}"""
TRANSFERS = """
query($first: Int, $after: String) {
  transfers(first: $first, after: $after) {
    edges { node { id successorId successorName reason reference recordedAt recordedById
                   movedCount needsConsentCount refusedCount moved needsConsent refused } }
    pageInfo { hasNextPage endCursor }
  }
}"""
TOLD = """{ myNotifications { edges { node { topic channel title body
  transfer { transferId successorName outcome categories respondedAt consentId
             commitment { digest text } } } } } }"""
RESPOND = """
mutation($id: ID!, $accept: Boolean!) {
  respondToTransfer(transferId: $id, accept: $accept) {
    transferId outcome respondedAt consentId categories
  }
}"""
MINE = "{ myTransfers { transferId successorName outcome } }"
HISTORY = """{ myAccessHistory { edges { node {
  accessorKind accessor subject categoriesClear basis transferId } } } }"""
SEEN = "query($id: ID!) { account(id: $id) { name phone } }"
COMMITMENT_TEXT = (
    "新通信集团承诺：承接本服务的用户个人信息后，继续受《中国移动智慧政企用户隐私协议》"
    "（2022 年 6 月 7 日版）的约束。"
)
MOVING = ("contact.phone", "identity.name")


def commitment(**overrides: object) -> dict:
    return {
        "signedBy": "李强（法定代表人）",
        "signedAt": (utcnow() - timedelta(days=1)).isoformat(),
        "text": COMMITMENT_TEXT,
        "reference": "承诺函-2026-001",
        **overrides,
    }


def transfer_input(successor_id: str, reference: str = "并购-1", **overrides: object) -> dict:
    return {
        "input": {
            "successorId": successor_id,
            "reason": "MERGER",
            "reference": reference,
            "categories": list(MOVING),
            "commitment": commitment(),
            **overrides,
        }
    }


async def successor(region: str = "CN") -> Affiliate:
    return await Affiliate.create(
        name="新通信集团", kind=AffiliateKind.THIRD_PARTY, region=region, purposes=["transfer"]
    )


async def consent_to(buyer: Affiliate, account: Account) -> Consent:
    return await Consent.create(
        account=account,
        recipient=buyer,
        purpose="transfer",
        categories=["contact.phone", "identity.name"],
        policy_version=await PolicyVersion.get(),
        granted_at=utcnow(),
        evidence_channel="web",
    )


async def transfer(client, admin: str, buyer: Affiliate | str, reference: str) -> dict:
    buyer_id = buyer if isinstance(buyer, str) else str(buyer.id)
    recorded = await gql(client, TRANSFER, transfer_input(buyer_id, reference), token=admin)
    assert not recorded.get("errors"), recorded
    return recorded.data["recordTransfer"]


async def test_p_transfer_1_only_people_whose_consent_covers_it_move(client, settings):
    await sign_in(client, 0)
    await sign_in(client, 1)
    first, second = await Account.all().order_by("id")
    await client_token(second.id)  # a consent to someone else, for another purpose
    buyer = await successor()
    await consent_to(buyer, first)
    admin = await admin_token(client, settings)
    variables = transfer_input(str(buyer.id))
    assert (await gql(client, TRANSFER, variables, token=await sign_in(client, 2))).codes == [
        "FORBIDDEN"
    ]
    result = (await gql(client, TRANSFER, variables, token=admin)).data["recordTransfer"]
    third = await Account.filter(role="USER").order_by("-id").first()
    assert result["moved"] == [str(first.id)]
    assert result["needsConsent"] == [str(second.id), str(third.id)]
    assert result["refused"] == []
    assert await TransferSubject.filter(consent_id__not_isnull=True).count() == 1


async def test_p_transfer_1_the_successors_written_commitment_is_recorded(client, settings):
    await ensure_founding_policy()
    admin = await admin_token(client, settings)
    buyer = await successor()
    digest = hashlib.sha256(COMMITMENT_TEXT.encode()).hexdigest()
    signed = commitment(digest=digest)
    recorded = ok(
        await gql(client, TRANSFER, transfer_input(str(buyer.id), commitment=signed), token=admin)
    )["recordTransfer"]
    assert recorded["commitment"]["digest"] == digest
    assert recorded["commitment"]["text"] == COMMITMENT_TEXT
    assert recorded["commitment"]["signedBy"] == "李强（法定代表人）"
    assert recorded["commitment"]["reference"] == "承诺函-2026-001"
    assert recorded["categories"] == list(MOVING)
    stored = await Transfer.get(id=recorded["id"])
    assert stored.commitment_signed_at is not None and stored.commitment_digest == digest
    assert await AuditEntry.filter(action="TRANSFER_RECORDED").count() == 1

    wrong = [
        {"commitment": commitment(digest="0" * 64)},
        {"commitment": commitment(signedAt=(utcnow() + timedelta(days=1)).isoformat())},
        {"commitment": commitment(text="  ")},
        {"commitment": commitment(signedBy="")},
        {"categories": []},
        {"categories": ["credential.password"]},
    ]
    for overrides in wrong:
        variables = transfer_input(str(buyer.id), **overrides)
        assert (await gql(client, TRANSFER, variables, token=admin)).codes == [
            "VALIDATION_FAILED"
        ], overrides
    # A successor that takes no data for the purpose "transfer" has no client that could.
    other = await create_affiliate(client, admin, name="某公司", purposes=("support",))
    assert (await gql(client, TRANSFER, transfer_input(other), token=admin)).codes == [
        "VALIDATION_FAILED"
    ]
    assert await Transfer.all().count() == 1


async def test_p_transfer_1_a_successor_outside_mainland_china_gets_nobody(client, settings):
    admin = await admin_token(client, settings)
    abroad = await successor(region="HK")
    variables = transfer_input(str(abroad.id), reason="ACQUISITION")
    assert (await gql(client, TRANSFER, variables, token=admin)).codes == ["VALIDATION_FAILED"]
    assert await TransferSubject.all().count() == 0


async def test_p_transfer_1_nothing_moves_until_the_person_accepts_through_the_api(
    client, settings
):
    await ensure_founding_policy()
    asked, asked_id = await person_with_id(client, 0)
    consenting, consenting_id = await person_with_id(client, 1)
    admin = await admin_token(client, settings)
    buyer = await create_affiliate(client, admin, name="新通信集团", purposes=("transfer",))
    successor_client = await issue_client(
        client, admin, buyer, purpose="transfer", categories=MOVING
    )
    # A consent to the successor alone moves nothing: no transfer is recorded yet.
    given = await grant(client, consenting, buyer, purpose="transfer", categories=MOVING)
    assert (await gql(client, SEEN, {"id": consenting_id}, token=successor_client)).codes == [
        "NOT_FOUND"
    ]

    recorded = await transfer(client, admin, buyer, "并购-1")
    assert (recorded["moved"], recorded["needsConsent"]) == ([consenting_id], [asked_id])
    seen = ok(await gql(client, SEEN, {"id": consenting_id}, token=successor_client))
    assert seen["account"]["phone"] == "13800130001"
    # Asked, not answered: the successor's client cannot see them.
    assert (await gql(client, SEEN, {"id": asked_id}, token=successor_client)).codes == [
        "NOT_FOUND"
    ]
    listing = "{ accounts { edges { node { id } } } }"
    listed = ok(await gql(client, listing, token=successor_client))["accounts"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [consenting_id]

    # Everyone affected is told; the one asked answers from the notification.
    [moved_notice] = ok(await gql(client, TOLD, token=consenting))["myNotifications"]["edges"]
    assert moved_notice["node"]["topic"] == "TRANSFER"
    assert moved_notice["node"]["transfer"]["outcome"] == "MOVED"
    assert moved_notice["node"]["transfer"]["consentId"] == given["id"]
    [question] = ok(await gql(client, TOLD, token=asked))["myNotifications"]["edges"]
    question = question["node"]
    assert (question["topic"], question["channel"]) == ("TRANSFER_CONSENT", "EMAIL")
    assert "新通信集团" in question["title"] and "respondToTransfer" in question["body"]
    assert question["transfer"]["outcome"] == "NEEDS_CONSENT"
    assert question["transfer"]["commitment"]["text"] == COMMITMENT_TEXT
    assert question["transfer"]["categories"] == list(MOVING)

    answer = {"id": question["transfer"]["transferId"], "accept": True}
    accepted = ok(await gql(client, RESPOND, answer, token=asked))["respondToTransfer"]
    assert accepted["outcome"] == "MOVED" and accepted["respondedAt"]
    consent = await Consent.get(id=accepted["consentId"])
    assert (consent.purpose, consent.recipient_id, consent.categories) == (
        "transfer",
        int(buyer),
        list(MOVING),
    )
    assert consent.evidence_ip == "127.0.0.1"
    now_seen = ok(await gql(client, SEEN, {"id": asked_id}, token=successor_client))
    assert now_seen["account"]["phone"] == "13800130000"
    # The same answer again changes nothing.
    again = ok(await gql(client, RESPOND, answer, token=asked))["respondToTransfer"]
    assert again == accepted
    assert await Consent.filter(purpose="transfer").count() == 2

    # The move is in the person's access history and export.
    # Newest first: the successor's client read what moved, after the move.
    read, entry = ok(await gql(client, HISTORY, token=asked))["myAccessHistory"]["edges"]
    assert (read["node"]["accessorKind"], read["node"]["transferId"]) == ("API_CLIENT", None)
    assert entry["node"] == {
        "accessorKind": "SUCCESSOR",
        "accessor": "新通信集团",
        "subject": "account",
        "categoriesClear": sorted(MOVING),
        "basis": f"consent:{consent.id}",
        "transferId": recorded["id"],
    }
    exported = ok(await gql(client, "{ exportMyData }", token=asked))["exportMyData"]
    [moved] = exported["transfers"]
    assert (moved["transfer_id"], moved["successor"], moved["outcome"]) == (
        int(recorded["id"]),
        "新通信集团",
        "MOVED",
    )
    assert moved["consent_id"] == consent.id and moved["commitment"]["digest"]
    assert "TRANSFERRED" in {event["action"] for event in exported["access_history"]}

    # Withdrawing the consent stops the successor on the next request (P-WITHDRAW-1).
    withdraw = "mutation($id: ID!) { withdrawConsent(consentId: $id) { id } }"
    ok(await gql(client, withdraw, {"id": str(consent.id)}, token=asked))
    assert (await gql(client, SEEN, {"id": asked_id}, token=successor_client)).codes == [
        "NOT_FOUND"
    ]


async def test_p_transfer_1_a_refusal_is_recorded_and_moves_nothing(client, settings):
    await ensure_founding_policy()
    asked, asked_id = await person_with_id(client, 0)
    other, _ = await person_with_id(client, 1)
    admin = await admin_token(client, settings)
    buyer = await create_affiliate(client, admin, name="新通信集团", purposes=("transfer",))
    successor_client = await issue_client(
        client, admin, buyer, purpose="transfer", categories=MOVING
    )
    recorded = await transfer(client, admin, buyer, "并购-1")
    answer = {"id": recorded["id"], "accept": False}
    refused = ok(await gql(client, RESPOND, answer, token=asked))["respondToTransfer"]
    assert (refused["outcome"], refused["consentId"]) == ("REFUSED", None)
    assert refused["respondedAt"]
    assert await Consent.filter(purpose="transfer").count() == 0
    assert await AuditEntry.filter(action="TRANSFER_REFUSED").count() == 1
    assert (await gql(client, SEEN, {"id": asked_id}, token=successor_client)).codes == [
        "NOT_FOUND"
    ]
    listed = ok(await gql(client, TRANSFERS, token=admin))["transfers"]["edges"][0]["node"]
    assert (listed["refused"], listed["refusedCount"]) == ([asked_id], 1)
    assert ok(await gql(client, MINE, token=asked))["myTransfers"] == [
        {"transferId": recorded["id"], "successorName": "新通信集团", "outcome": "REFUSED"}
    ]
    assert ok(await gql(client, HISTORY, token=asked))["myAccessHistory"]["edges"] == []

    # A person who refused may still accept; once moved, stopping is a withdrawal.
    accepted = ok(await gql(client, RESPOND, {**answer, "accept": True}, token=asked))
    assert accepted["respondToTransfer"]["outcome"] == "MOVED"
    assert (await gql(client, RESPOND, answer, token=asked)).codes == ["CONFLICT"]
    # A transfer the person is not part of (they registered after it), or none, is not found.
    late, _ = await person_with_id(client, 2)
    assert (await gql(client, RESPOND, answer, token=late)).codes == ["NOT_FOUND"]
    assert (await gql(client, RESPOND, {**answer, "id": "999999"}, token=other)).codes == [
        "NOT_FOUND"
    ]
    assert await TransferSubject.filter(outcome=TransferOutcome.NEEDS_CONSENT).count() == 1


async def test_p_transfer_1_no_consent_once_the_successor_dropped_the_purpose(client, settings):
    await ensure_founding_policy()
    asked, asked_id = await person_with_id(client, 0)
    admin = await admin_token(client, settings)
    buyer = await create_affiliate(client, admin, name="新通信集团", purposes=("transfer",))
    recorded = await transfer(client, admin, buyer, "并购-1")
    # The successor drops the purpose: a consent for it could no longer be given.
    change = (
        'mutation($id: ID!) { changeAffiliatePurposes(affiliateId: $id, purposes: ["x"]) { id } }'
    )
    ok(await gql(client, change, {"id": buyer}, token=admin))
    answer = {"id": recorded["id"], "accept": True}
    assert (await gql(client, RESPOND, answer, token=asked)).codes == ["VALIDATION_FAILED"]
    row = await TransferSubject.get(account_id=int(asked_id))
    assert row.outcome == TransferOutcome.NEEDS_CONSENT
    assert await Notification.filter(transfer_id=int(recorded["id"])).count() == 1


async def test_p_transfer_1_admins_list_transfers_newest_first(client, settings):
    await sign_in(client, 0)
    await sign_in(client, 1)
    first, second = await Account.all().order_by("id")
    await client_token(first.id)  # the policy version the consent below is given under
    buyer = await successor()
    admin = await admin_token(client, settings)
    before = await transfer(client, admin, buyer, "并购-1")
    await consent_to(buyer, first)
    after = await transfer(client, admin, buyer, "并购-2")

    page = (await gql(client, TRANSFERS, {"first": 1}, token=admin)).data["transfers"]
    assert page["pageInfo"]["hasNextPage"] is True
    variables = {"first": 1, "after": page["pageInfo"]["endCursor"]}
    rest = (await gql(client, TRANSFERS, variables, token=admin)).data["transfers"]
    assert rest["pageInfo"]["hasNextPage"] is False
    newest, oldest = (edge["node"] for edge in page["edges"] + rest["edges"])
    assert (newest["id"], newest["reference"], oldest["id"], oldest["reference"]) == (
        after["id"],
        "并购-2",
        before["id"],
        "并购-1",
    )
    assert (newest["movedCount"], newest["needsConsentCount"]) == (1, 1)
    assert (newest["moved"], newest["needsConsent"]) == (after["moved"], after["needsConsent"])
    assert (oldest["movedCount"], oldest["needsConsentCount"]) == (0, 2)
    assert oldest["needsConsent"] == [str(first.id), str(second.id)] == before["needsConsent"]
    assert (oldest["successorId"], oldest["successorName"]) == (str(buyer.id), "新通信集团")
    assert oldest["recordedById"] == str((await Account.get(role=Role.ADMIN)).id)
    assert oldest["reason"] == "MERGER"
    assert await codes_for_non_admins(client, admin, TRANSFERS) == NON_ADMIN_CODES


async def test_p_transfer_1_the_transfer_list_costs_the_same_statements_for_any_page_size(
    client, settings
):
    await sign_in(client)
    admin = await admin_token(client, settings)
    buyer = await successor()

    async def make_row(n: int) -> dict:
        return await transfer(client, admin, buyer, f"并购-{n}")

    await assert_page_cost_is_flat(client, admin, TRANSFERS, "transfers", make_row)
