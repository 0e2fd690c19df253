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


async def test_p_sec_1_an_admin_sees_no_more_of_a_masked_value_than_its_category_says(
    client, settings
):
    """广州市天河区 showed as 广州市*** and Wei Zhang as Wei *: the city, the given name."""
    profiles = [
        {"name": "Wei Zhang", "province": "广东", "city": "广州市天河区"},
        {"name": "欧阳修", "province": "广东省深圳市", "city": "北京市朝阳区"},
        {"name": "张三丰", "province": "北京", "city": "北京"},
    ]
    update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { city } }"
    for n, profile in enumerate(profiles, start=1):
        token = await sign_in(client, n, email=f"z{n}@qq.com")
        assert (await gql(client, update, {"input": profile}, token=token)).data
    client.cookies.clear()
    admin = await admin_token(client, settings)
    fields = "name email province city"
    listing = await gql(client, "{ accounts { edges { node { " + fields + " } } } }", token=admin)
    shown = [edge["node"] for edge in listing.data["accounts"]["edges"]]
    assert {"name": "***", "email": "***@qq.com", "province": "广东", "city": "***"} in shown
    assert {
        "name": "欧阳**",
        "email": "***@qq.com",
        "province": "广东省***",
        "city": "北京市***",
    } in shown
    assert {"name": "张**", "email": "***@qq.com", "province": "北京", "city": "***"} in shown
