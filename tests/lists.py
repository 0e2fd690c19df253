"""Helpers for the tests of admin lists: who is refused, and what a page costs."""

from collections.abc import Awaitable, Callable

import httpx

from bench.statements import counting_statements
from tests.conftest import gql, sign_in
from tests.sharing import create_affiliate, issue_client

# A person, an API client, anyone: what each is told when asking for an admin list.
NON_ADMIN_CODES = [["FORBIDDEN"], ["UNAUTHENTICATED"], ["UNAUTHENTICATED"]]


async def codes_for_non_admins(
    client: httpx.AsyncClient, admin: str, document: str
) -> list[list[str]]:
    """The error codes of a person, an API client and an anonymous caller asking `document`."""
    person = await sign_in(client, 99)
    api_client = await issue_client(client, admin, await create_affiliate(client, admin))
    # Anonymous means no cookie either: the sign-in above left one on the client.
    client.cookies.clear()
    return [
        (await gql(client, document, token=token)).codes for token in (person, api_client, None)
    ]


async def assert_page_cost_is_flat(
    client: httpx.AsyncClient,
    admin: str,
    document: str,
    field: str,
    make_row: Callable[[int], Awaitable[object]],
) -> None:
    """Make 12 rows, then ask for full pages of 2 and of 12: both cost as many SQL statements."""
    for n in range(12):
        await make_row(n)
    counts = {}
    for first in (2, 12):
        with counting_statements() as counter:
            result = await gql(client, document, {"first": first}, token=admin)
        assert len(result.data[field]["edges"]) == first, result
        counts[first] = counter.count
    assert counts[2] == counts[12], counts
