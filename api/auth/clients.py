"""API clients of affiliates and third parties: one recipient, one purpose (P-SHARE-2)."""

from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import ValuesListQuery

from api.auth.tokens import TokenRefused, digest
from api.errors import ErrorCode
from models.clock import utcnow
from models.consent import ApiClient
from models.statements import Statement
from plugins.viewer import ClientScope, Viewer, ViewerKind

# What a request needs of its client, read as values (no model objects).
ClientRow = tuple[
    int, str, list[str], int, str, str, str, datetime | None, datetime | None, datetime | None
]


def _client_of_hash(_shape: tuple[()], *, hashed: str) -> ValuesListQuery:
    return (
        ApiClient.filter(Q(token_hash=hashed) | Q(previous_token_hash=hashed))
        .limit(1)
        .values_list(
            "id",
            "purpose",
            "categories",
            "affiliate_id",
            "affiliate__kind",
            "affiliate__region",
            "token_hash",
            "revoked_at",
            "expires_at",
            "previous_token_until",
        )
    )


# Read on every request, so a revoked client is refused on the next one in every process; the
# SQL is built once.
CLIENT_OF_HASH = Statement[list[ClientRow]](ApiClient, _client_of_hash)


async def client_of_token(token: str) -> ClientScope:
    """What the client `token` belongs to may see (its current token, or the one a rotation
    replaced while the overlap lasts), or TokenRefused saying why not."""
    hashed = digest(token)
    rows = await CLIENT_OF_HASH.run(hashed=hashed)
    if not rows:
        raise TokenRefused(ErrorCode.INVALID_TOKEN, "the API client token is not known")
    [row] = rows
    client, purpose, categories, affiliate, kind, region, current, revoked, expires, until = row
    now = utcnow()
    if revoked is not None:
        raise TokenRefused(ErrorCode.TOKEN_REVOKED, "the API client was revoked")
    if expires is not None and expires <= now:
        raise TokenRefused(ErrorCode.TOKEN_EXPIRED, "the API client expired")
    replaced = current != hashed
    if replaced and (until is None or until <= now):
        raise TokenRefused(
            ErrorCode.TOKEN_EXPIRED, "the token was replaced by a rotation: use the new one"
        )
    return ClientScope(
        client_id=client,
        affiliate_id=affiliate,
        affiliate_kind=str(kind),
        purpose=purpose,
        region=region,
        categories=frozenset(categories),
    )


def client_viewer(client: ClientScope, do_not_track: bool) -> Viewer:
    return Viewer(kind=ViewerKind.API_CLIENT, client=client, do_not_track=do_not_track)
