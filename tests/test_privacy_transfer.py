"""P-TRANSFER-1: a transfer to a successor moves only people whose consent covers it."""

from models.accounts import Account
from models.clock import utcnow
from models.consent import Affiliate, AffiliateKind, Consent, PolicyVersion
from models.privacy import TransferSubject
from tests.conftest import admin_token, gql, sign_in
from tests.test_privacy_cancellation import client_token

TRANSFER = """
mutation($input: RecordTransferInput!) {
  recordTransfer(input: $input) { id reason successorName moved needsConsent }
}"""


async def successor(region: str = "CN") -> Affiliate:
    return await Affiliate.create(
        name="新通信集团", kind=AffiliateKind.THIRD_PARTY, region=region, purposes=["transfer"]
    )


async def test_p_transfer_1_only_people_whose_consent_covers_it_move(client, settings):
    await sign_in(client, 0)
    await sign_in(client, 1)
    first, second = await Account.all().order_by("id")
    await client_token(second.id)  # a consent to someone else, for another purpose
    buyer = await successor()
    await Consent.create(
        account=first,
        recipient=buyer,
        purpose="transfer",
        categories=["contact.phone", "identity.name"],
        policy_version=await PolicyVersion.get(),
        granted_at=utcnow(),
        evidence_channel="web",
    )
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
