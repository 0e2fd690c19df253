"""P-TRANSFER-1: a transfer to a successor moves only people whose consent covers it."""

from models.accounts import Account, Role
from models.clock import utcnow
from models.consent import Affiliate, AffiliateKind, Consent, PolicyVersion
from models.privacy import TransferSubject
from tests.conftest import admin_token, gql, sign_in
from tests.lists import NON_ADMIN_CODES, assert_page_cost_is_flat, codes_for_non_admins
from tests.privacy.test_cancellation import client_token

TRANSFER = """
mutation($input: RecordTransferInput!) {
  recordTransfer(input: $input) { id reason successorName moved needsConsent }
}"""
TRANSFERS = """
query($first: Int, $after: String) {
  transfers(first: $first, after: $after) {
    edges { node { id successorId successorName reason reference recordedAt recordedById
                   movedCount needsConsentCount moved needsConsent } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def successor(region: str = "CN") -> Affiliate:
    return await Affiliate.create(
        name="新通信集团", kind=AffiliateKind.THIRD_PARTY, region=region, purposes=["transfer"]
    )


async def consent_to(buyer: Affiliate, account: Account) -> None:
    await Consent.create(
        account=account,
        recipient=buyer,
        purpose="transfer",
        categories=["contact.phone", "identity.name"],
        policy_version=await PolicyVersion.get(),
        granted_at=utcnow(),
        evidence_channel="web",
    )


async def transfer(client, admin: str, buyer: Affiliate, reference: str) -> dict:
    variables = {
        "input": {"successorId": str(buyer.id), "reason": "MERGER", "reference": reference}
    }
    recorded = await gql(client, TRANSFER, variables, token=admin)
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
    variables = {"input": {"successorId": str(buyer.id), "reason": "MERGER", "reference": "并购-1"}}
    assert (await gql(client, TRANSFER, variables, token=await sign_in(client, 2))).codes == [
        "FORBIDDEN"
    ]
    result = (await gql(client, TRANSFER, variables, token=admin)).data["recordTransfer"]
    third = await Account.filter(role="USER").order_by("-id").first()
    assert result["moved"] == [str(first.id)]
    assert result["needsConsent"] == [str(second.id), str(third.id)]
    assert await TransferSubject.filter(consent_id__not_isnull=True).count() == 1


async def test_p_transfer_1_a_successor_outside_mainland_china_gets_nobody(client, settings):
    admin = await admin_token(client, settings)
    abroad = await successor(region="HK")
    variables = {
        "input": {"successorId": str(abroad.id), "reason": "ACQUISITION", "reference": "x"}
    }
    assert (await gql(client, TRANSFER, variables, token=admin)).codes == ["VALIDATION_FAILED"]
    assert await TransferSubject.all().count() == 0


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
