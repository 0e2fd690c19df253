"""P-SHARE-1 with keyset pages: the consent narrowing correlates with the account row, so the
page's cursor bound drives the walk; paging must still give an API client exactly the consenting
people, newest first, each once."""

from tests.conftest import admin_token, gql
from tests.sharing import create_affiliate, grant, issue_client, ok, person_with_id, publish_policy

PAGE = """query($after: String) { accounts(first: 2, after: $after) {
  edges { node { id } } pageInfo { hasNextPage endCursor } } }"""


async def test_p_share_1_paging_with_a_cursor_lists_exactly_the_consenting_people(client, settings):
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin)
    api = await issue_client(client, admin, affiliate)
    consenting = []
    for n in range(7):
        token, account_id = await person_with_id(client, n)
        # Every other person consents, so each page's bound falls between consenting people.
        if n % 2 == 0:
            await grant(client, token, affiliate)
            consenting.append(account_id)

    listed, after = [], None
    while True:
        page = ok(await gql(client, PAGE, {"after": after}, token=api))["accounts"]
        listed += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert listed == consenting[::-1]
