"""The representative queries every benchmark runs, and the viewers that send them.

Depths stay within the default limit of 6 (`me { orders { edges { node { product } } } }` is 5),
so the benchmark apps run with the default query limits.
"""

from dataclasses import dataclass
from enum import StrEnum

from api.auth.sessions import start_session
from api.auth.tokens import CLIENT_PREFIX, digest, new_token
from bench.seed import CLIENT_CATEGORIES, PURPOSE, RECIPIENT
from models.accounts import Account, Role
from models.consent import Affiliate, ApiClient

PAGE = 100

ACCOUNT_FIELDS = "id phone email name company province city role status createdAt"

ME = f"""
query Me {{
  me {{
    {ACCOUNT_FIELDS}
    orders(first: 20) {{
      edges {{ node {{ id kind product productType amount status createdAt }} }}
    }}
  }}
}}
"""

ACCOUNTS_PAGE = f"""
query Accounts($after: String) {{
  accounts(first: {PAGE}, after: $after) {{
    edges {{ cursor node {{ {ACCOUNT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


class ViewerRole(StrEnum):
    PERSON = "person"
    CLIENT = "client"
    ADMIN = "admin"


@dataclass(frozen=True)
class Query:
    name: str
    viewer: ViewerRole
    text: str
    # Rows a correct answer holds: 1 for `me`, the page size for lists.
    rows: int


QUERIES = (
    Query("me with orders", ViewerRole.PERSON, ME, 1),
    Query(f"client lists {PAGE} people", ViewerRole.CLIENT, ACCOUNTS_PAGE, PAGE),
    Query(f"admin lists {PAGE} (masked)", ViewerRole.ADMIN, ACCOUNTS_PAGE, PAGE),
)


async def viewer_tokens() -> dict[ViewerRole, str]:
    """Fresh bearer tokens on a seeded database: the admin, the first person, and a
    new client of the bench recipient (a token is shown once, so each run makes its own)."""
    admin = await Account.filter(role=Role.ADMIN).order_by("id").first()
    # Every seeded person has orders.
    person = await Account.filter(role=Role.USER).order_by("id").first()
    affiliate = await Affiliate.filter(name=RECIPIENT).first()
    if admin is None or person is None or affiliate is None:
        raise LookupError("not a benchmark database: seed it with bench.seed first")
    client_token = new_token(CLIENT_PREFIX)
    await ApiClient.create(
        affiliate=affiliate,
        name="benchmark client",
        purpose=PURPOSE,
        categories=CLIENT_CATEGORIES,
        token_hash=digest(client_token),
    )
    return {
        ViewerRole.PERSON: await start_session(person, hours=24),
        ViewerRole.ADMIN: await start_session(admin, hours=24),
        ViewerRole.CLIENT: client_token,
    }
