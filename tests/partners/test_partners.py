"""Partner accounts (policy 五(一)3-4): invited by an admin, registered through the invitation,
reading and correcting their own details and nothing else."""

from datetime import timedelta

from graphql import GraphQLObjectType, get_named_type, is_leaf_type

from api.auth.tokens import digest
from api.graphql.extensions.partner_scope import PARTNER_MUTATIONS, PARTNER_QUERIES
from api.graphql.schema import build_schema
from api.settings import Settings
from models.accounts import Account, Role
from models.audit import AuditEntry
from models.clock import set_clock, utcnow
from models.partners import PartnerInvitation
from tests.conftest import LOGIN, admin_token, gql, person, registration_code
from tests.lists import NON_ADMIN_CODES, codes_for_non_admins
from tests.sharing import create_affiliate, ok

SCHEMA = build_schema(Settings())._schema
INVITE = """
mutation($input: InvitePartnerInput!) {
  invitePartner(input: $input) {
    token invitation { id affiliate { id name } createdAt expiresAt acceptedAt }
  }
}"""
ACCEPT = """
mutation($input: AcceptPartnerInvitationInput!) {
  acceptPartnerInvitation(input: $input) { id role phone email name company }
}"""
ME = "{ me { id role phone email name company province city } }"
UPDATE = """
mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { phone name city } }"""
STAFF = person(50, name="王经理", company="翼支付")


async def invite(client, admin: str, affiliate_id: str, hours: int | None = None) -> dict:
    variables = {"input": {"affiliateId": affiliate_id}}
    if hours is not None:
        variables["input"]["validForHours"] = hours
    return ok(await gql(client, INVITE, variables, token=admin))["invitePartner"]


async def accept(client, token: str, details: dict | None = None):
    return await gql(client, ACCEPT, {"input": {"token": token, **(details or STAFF)}})


async def partner_token(client, settings) -> tuple[str, str, str]:
    """(admin token, partner company id, partner session token)."""
    admin = await admin_token(client, settings)
    company = await create_affiliate(client, admin, name="翼支付")
    issued = await invite(client, admin, company)
    assert not (await accept(client, issued["token"])).get("errors")
    login = {"login": STAFF["phone"], "password": STAFF["password"]}
    token = ok(await gql(client, LOGIN, {"input": login}))["login"]["token"]
    client.cookies.clear()
    return admin, company, token


async def test_p_rights_1_an_admin_invites_and_the_invitee_registers_as_a_partner(client, settings):
    admin = await admin_token(client, settings)
    company = await create_affiliate(client, admin, name="翼支付")
    issued = await invite(client, admin, company, hours=24)
    assert issued["token"].startswith("cqi_")
    invitation = issued["invitation"]
    assert invitation["affiliate"] == {"id": company, "name": "翼支付"}
    assert invitation["acceptedAt"] is None
    stored = await PartnerInvitation.get(id=invitation["id"])
    assert stored.token_hash == digest(issued["token"])
    assert stored.expires_at - stored.created_at == timedelta(hours=24)

    registered = await accept(client, issued["token"])
    assert not registered.get("errors"), registered
    # The registrant reads back what they sent, in clear, as the owner.
    account = registered.data["acceptPartnerInvitation"]
    assert account["role"] == "PARTNER"
    assert (account["phone"], account["email"], account["name"]) == (
        STAFF["phone"],
        STAFF["email"],
        STAFF["name"],
    )
    row = await Account.get(id=account["id"])
    assert (row.role, row.partner_of_id) == (Role.PARTNER, int(company))
    stored = await PartnerInvitation.get(id=invitation["id"])
    assert (stored.account_id, stored.accepted_at is not None) == (row.id, True)
    assert await AuditEntry.filter(action="PARTNER_INVITED").count() == 1
    assert await AuditEntry.filter(action="PARTNER_REGISTERED").count() == 1


async def test_only_admins_invite_partners(client, settings):
    admin = await admin_token(client, settings)
    company = await create_affiliate(client, admin)
    document = f'mutation {{ invitePartner(input: {{affiliateId: "{company}"}}) {{ token }} }}'
    assert await codes_for_non_admins(client, admin, document) == NON_ADMIN_CODES
    assert await PartnerInvitation.all().count() == 0


async def test_an_invitation_serves_one_registration_and_expires(client, settings):
    admin = await admin_token(client, settings)
    company = await create_affiliate(client, admin)
    used = (await invite(client, admin, company))["token"]
    assert not (await accept(client, used)).get("errors")
    again = await accept(client, used, person(51))
    assert again.codes == ["NOT_FOUND"]
    assert "51" not in again["errors"][0]["message"]
    expiring = (await invite(client, admin, company, hours=1))["token"]
    later = utcnow() + timedelta(hours=1, seconds=1)
    set_clock(lambda: later)
    try:
        assert (await accept(client, expiring, person(52))).codes == ["NOT_FOUND"]
    finally:
        set_clock()
    for forged in ("", "cqi_", "cqi_" + "A" * 43, expiring + "x"):
        assert (await accept(client, forged, person(53))).codes == ["NOT_FOUND"]
    assert await Account.filter(role=Role.PARTNER).count() == 1
    # A refused registration leaves the invitation usable: the phone below is taken.
    fresh = (await invite(client, admin, company))["token"]
    assert (await accept(client, fresh, {**person(54), "phone": STAFF["phone"]})).codes == [
        "CONFLICT"
    ]
    assert not (await accept(client, fresh, person(54))).get("errors")
    for hours in (0, -1, 721):
        variables = {"input": {"affiliateId": company, "validForHours": hours}}
        assert (await gql(client, INVITE, variables, token=admin)).codes == ["VALIDATION_FAILED"]


async def test_p_rights_2_a_partner_reads_and_corrects_their_own_details(client, settings):
    _, _, token = await partner_token(client, settings)
    me = ok(await gql(client, ME, token=token))["me"]
    assert me["role"] == "PARTNER"
    # In clear: the owner's view, not an admin's masking.
    assert (me["phone"], me["email"], me["name"]) == (STAFF["phone"], STAFF["email"], "王经理")
    ask = "mutation($p: String!) { requestPhoneChangeCode(phone: $p) { expiresInSeconds } }"
    ok(await gql(client, ask, {"p": "13900139050"}, token=token))
    code = await registration_code("13900139050")
    changed = await gql(
        client,
        UPDATE,
        {"input": {"phone": "13900139050", "phoneCode": code, "city": "杭州"}},
        token=token,
    )
    assert changed.data["updateProfile"] == {
        "phone": "13900139050",
        "name": "王经理",
        "city": "杭州",
    }
    bad = await gql(client, UPDATE, {"input": {"phone": "123"}}, token=token)
    assert bad.codes == ["VALIDATION_FAILED"]
    password = 'mutation { changePassword(oldPassword: "correct horse battery", ' + (
        'newPassword: "another long secret") }'
    )
    assert ok(await gql(client, password, token=token))["changePassword"] is True


def refused_document(root: GraphQLObjectType, name: str) -> str:
    """`query($a: T!) { name(a: $a) { __typename } }`: valid in itself, variables unsent."""
    field = root.fields[name]
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    leaf = is_leaf_type(get_named_type(field.type))
    kind = "mutation" if root is SCHEMA.mutation_type else "query"
    head = f"{kind}({declared})" if declared else kind
    return f"{head} {{ {name}({passed}){'' if leaf else ' { __typename }'} }}".replace("()", "")


async def test_p_sec_3_every_other_query_and_mutation_refuses_a_partner_with_a_code(
    client, settings
):
    admin, _, token = await partner_token(client, settings)
    before = await AuditEntry.all().count()
    refused = []
    for root, allowed in (
        (SCHEMA.query_type, PARTNER_QUERIES),
        (SCHEMA.mutation_type, PARTNER_MUTATIONS),
    ):
        assert root is not None
        for name in sorted(set(root.fields) - allowed):
            result = await gql(client, refused_document(root, name), token=token)
            assert result.codes == ["FORBIDDEN"], (name, result)
            assert result.get("data") is None
            refused.append(name)
    assert {"accounts", "account", "orders", "exportMyData", "grantConsent"} <= set(refused)
    assert {"placeOrder", "register", "acceptPartnerInvitation", "invitePartner"} <= set(refused)
    # Nothing ran: no read or change was recorded.
    assert await AuditEntry.all().count() == before
    # A fragment does not hide a field from the rule.
    hidden = "query { ...F } fragment F on Query { accounts { edges { node { id } } } }"
    assert (await gql(client, hidden, token=token)).codes == ["FORBIDDEN"]
    # The same documents still work for the people they are for.
    assert ok(await gql(client, "{ accounts { edges { node { id } } } }", token=admin))


async def test_p_disclose_1_a_partner_is_shown_to_an_admin_masked(client, settings):
    admin, _, _ = await partner_token(client, settings)
    listing = "{ accounts { edges { node { role phone name } } } }"
    nodes = [e["node"] for e in ok(await gql(client, listing, token=admin))["accounts"]["edges"]]
    staff = next(node for node in nodes if node["role"] == "PARTNER")
    assert staff["phone"] == "138****0050"
