"""Accounts: corrections of one's own details, who lists accounts, and how an admin sees them."""

from tests.conftest import LOGIN, admin_token, gql, registration_code, sign_in

ME = "{ me { name } }"


async def test_p_rights_2_update_profile_validates_and_keeps_only_the_fact(client):
    token = await sign_in(client)
    update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { phone city } }"
    # A new phone is proven by the code sent to it (tests/accounts/test_profile.py).
    asked = "mutation($phone: String!) { requestPhoneChangeCode(phone: $phone) { __typename } }"
    await gql(client, asked, {"phone": "13900139000"}, token=token)
    code = await registration_code("13900139000")
    changed = await gql(
        client,
        update,
        {"input": {"phone": "13900139000", "phoneCode": code, "city": "杭州"}},
        token=token,
    )
    assert changed.data["updateProfile"] == {"phone": "13900139000", "city": "杭州"}
    bad = await gql(client, update, {"input": {"phone": "123", "city": "上海"}}, token=token)
    assert bad.codes == ["VALIDATION_FAILED"]
    me = await gql(client, "{ me { phone city } }", token=token)
    assert me.data["me"] == {"phone": "13900139000", "city": "杭州"}
    login = {"login": "13900139000", "password": "correct horse battery"}
    assert (await gql(client, LOGIN, {"input": login})).data["login"]["token"]


async def test_p_disclose_1_only_admins_and_clients_list_accounts_and_admins_see_them_masked(
    client, settings
):
    person = await sign_in(client, 1)
    listing = "{ accounts { edges { node { name phone email } } } }"
    assert (await gql(client, listing, token=person)).codes == ["FORBIDDEN"]
    client.cookies.clear()  # sign_in left the session cookie in this client
    assert (await gql(client, listing)).codes == ["UNAUTHENTICATED"]
    admin = await admin_token(client, settings)
    shown = await gql(client, listing, token=admin)
    names = {edge["node"]["phone"] for edge in shown.data["accounts"]["edges"]}
    assert "138****0001" in names
    assert shown["extensions"]["consent"]["masked"]


async def test_p_sec_1_a_masked_region_keeps_the_province_and_hides_the_city(client, settings):
    person = await sign_in(client, 1)
    update = 'mutation { updateProfile(input: {province: "广东", city: "深圳"}) { city } }'
    assert (await gql(client, update, token=person)).data["updateProfile"]["city"] == "深圳"
    admin = await admin_token(client, settings)
    listing = await gql(client, "{ accounts { edges { node { province city } } } }", token=admin)
    regions = [edge["node"] for edge in listing.data["accounts"]["edges"]]
    assert {"province": "广东", "city": "***"} in regions
