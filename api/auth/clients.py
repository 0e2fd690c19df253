"""API clients of affiliates and third parties: one recipient, one purpose (P-SHARE-2)."""

from tortoise.expressions import Q

from api.auth.tokens import TokenRefused, digest
from api.errors import ErrorCode
from models.clock import utcnow
from models.consent import ApiClient
from plugins.viewer import ClientScope, Viewer, ViewerKind


async def client_of_token(token: str) -> ApiClient:
    """The client `token` belongs to (its current token, or the one a rotation replaced while
    the overlap lasts), or TokenRefused saying why not."""
    hashed = digest(token)
    client = (
        await ApiClient.filter(Q(token_hash=hashed) | Q(previous_token_hash=hashed))
        .select_related("affiliate")
        .first()
    )
    if client is None:
        raise TokenRefused(ErrorCode.INVALID_TOKEN, "the API client token is not known")
    now = utcnow()
    if client.revoked_at is not None:
        raise TokenRefused(ErrorCode.TOKEN_REVOKED, "the API client was revoked")
    if client.expires_at is not None and client.expires_at <= now:
        raise TokenRefused(ErrorCode.TOKEN_EXPIRED, "the API client expired")
    replaced = client.token_hash != hashed
    if replaced and (client.previous_token_until is None or client.previous_token_until <= now):
        raise TokenRefused(
            ErrorCode.TOKEN_EXPIRED, "the token was replaced by a rotation: use the new one"
        )
    return client


def client_viewer(client: ApiClient, do_not_track: bool) -> Viewer:
    affiliate = client.affiliate
    return Viewer(
        kind=ViewerKind.API_CLIENT,
        client=ClientScope(
            client_id=client.id,
            affiliate_id=affiliate.id,
            affiliate_kind=str(affiliate.kind),
            purpose=client.purpose,
            region=affiliate.region,
            categories=frozenset(client.categories),
        ),
        do_not_track=do_not_track,
    )
